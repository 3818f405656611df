import type { Request } from 'express';
import { DeviceCredentials, DeviceLogin, DeviceLoginResult } from '@fieldsync/sync-core';
import { clientAddress } from '../client-address.js';

/**
 * Reads `Authorization: Basic login:secret` (what CyberTracker sends), `Bearer secret` (its ODK and
 * EarthRanger connectors) or `Token secret` (its KoBo connector).
 */
export function parseDeviceCredentials(header: string | undefined): DeviceCredentials | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (/^(bearer|token)$/i.test(scheme)) return { secret: value };
  if (!/^basic$/i.test(scheme)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { login: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * The device a request proves: the secret in a device URL (`/key/{secret}/…`, for clients that
 * cannot answer a login prompt) or the Authorization header. Null when it carries neither.
 */
export function authenticateDevice(request: Request, deviceLogin: DeviceLogin): Promise<DeviceLoginResult | null> {
  const key = request.params?.key;
  const credentials = typeof key === 'string' && key ? { secret: key } : parseDeviceCredentials(request.headers.authorization);
  return credentials ? deviceLogin.authenticate(credentials, clientAddress(request)) : Promise.resolve(null);
}
