import type { Request } from 'express';

/**
 * The client's address: the socket's, or, behind a reverse proxy listed in TRUST_PROXY, the one
 * the proxy names in X-Forwarded-For (Express works it out). Failed logins are counted and the
 * audit trail written by it, so behind a proxy they must not all be the proxy's.
 */
export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}
