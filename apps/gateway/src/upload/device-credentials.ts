import { DeviceCredentials } from '@fieldsync/sync-core';

/** Reads `Authorization: Basic login:secret` (what CyberTracker sends) or `Bearer secret`. */
export function parseDeviceCredentials(header: string | undefined): DeviceCredentials | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return { secret: value };
  if (!/^basic$/i.test(scheme)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { login: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
