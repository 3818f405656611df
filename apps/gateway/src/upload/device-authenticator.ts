import { Inject, Injectable } from '@nestjs/common';
import { Device, DeviceCredentials, DeviceService, LoginThrottle } from '@fieldsync/sync-core';

export type DeviceAuthResult =
  | { outcome: 'ok'; device: Device }
  | { outcome: 'missing' | 'refused' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

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

/** Device login for the HTTP door, with failed attempts limited per address and per login. */
@Injectable()
export class DeviceAuthenticator {
  private readonly throttle = new LoginThrottle();

  constructor(@Inject(DeviceService) private readonly devices: DeviceService) {}

  async authenticate(authorization: string | undefined, address: string): Promise<DeviceAuthResult> {
    const credentials = parseDeviceCredentials(authorization);
    if (!credentials) return { outcome: 'missing' };
    const keys = [`ip:${address}`, ...(credentials.login ? [`login:${credentials.login.slice(0, 100)}`] : [])];
    const retryAfterSeconds = this.throttle.retryAfterSeconds(keys);
    if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };
    const device = credentials.secret.length <= 200 && (credentials.login?.length ?? 0) <= 100 ? await this.devices.authenticate(credentials) : null;
    if (!device) {
      this.throttle.recordFailure(keys);
      return { outcome: 'refused' };
    }
    this.throttle.recordSuccess(keys);
    return { outcome: 'ok', device };
  }
}
