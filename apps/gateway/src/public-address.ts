import { networkInterfaces } from 'node:os';
import type { Request } from 'express';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/** The address every link and setting FieldSync hands out starts with: PUBLIC_URL, or the one this request came in by. */
export function publicBase(request: Request, config: Pick<FieldSyncConfig, 'publicUrl'>): string {
  return config.publicUrl ?? `${request.protocol}://${request.get('host')}`;
}

const isLoopback = (hostname: string) => /^(localhost|.*\.localhost|127(\.\d{1,3}){3}|\[?::1\]?|\[?::ffff:127(\.\d{1,3}){3}\]?)$/i.test(hostname);

/**
 * Said above a device's settings when they would point phones at themselves: the console was
 * opened at a loopback address and PUBLIC_URL is unset. Names the addresses this machine has on
 * its networks, as the ones to try. Null when the settings are usable as they are.
 */
export function unreachableAddressWarning(request: Request, config: Pick<FieldSyncConfig, 'publicUrl' | 'httpPort'>): string | null {
  if (config.publicUrl || !isLoopback(request.hostname)) return null;
  const candidates = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && !entry.internal && entry.family === 'IPv4')
    .map((entry) => `${request.protocol}://${entry!.address}:${config.httpPort}`);
  return (
    `This console is open at ${request.hostname}, an address that on a phone or another computer means that device itself, so no QR code is shown. ` +
    `Open the console at this server's network address${candidates.length ? ` (such as ${candidates.slice(0, 3).join(', ')})` : ''} and rotate the secret to show the settings again, ` +
    'or set PUBLIC_URL to the address devices reach this server at and restart.'
  );
}
