import type { Request, Response } from 'express';

const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 10_000;

/**
 * For an answer sent before the request's body was read (a refused upload): once the answer is
 * out, reads and drops what the client is still sending, up to a limit past which the connection
 * is closed (a body read to its end leaves the connection usable).
 * Closing a socket with unread data makes the kernel reset it, and a client still sending then
 * fails with a broken pipe instead of showing the answer that says what to do (curl: "Send
 * failure", status 100). For the same reason the answer must not say `Connection: close`: Node
 * destroys the socket the moment such an answer is written.
 */
export function dropUnreadBody(request: Request, response: Response): void {
  response.on('finish', () => {
    if (request.readableEnded) return;
    let drained = 0;
    const stop = setTimeout(() => request.destroy(), DRAIN_MS);
    request.on('data', (chunk: Buffer) => (drained += chunk.length) > DRAIN_BYTES && request.destroy());
    request.on('close', () => clearTimeout(stop));
    request.resume();
  });
}
