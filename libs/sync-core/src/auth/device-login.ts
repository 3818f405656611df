import { Device } from '../db/entities/index.js';
import { DeviceCredentials, DeviceService } from '../projects/device.service.js';
import { LoginThrottle } from './login-throttle.js';

export type DeviceLoginResult = { outcome: 'ok'; device: Device } | { outcome: 'refused'; failures: number } | { outcome: 'throttled'; retryAfterSeconds: number };

const MAX_LOGIN_CHARS = 100;
const MAX_SECRET_CHARS = 200;

/**
 * Device login for every door, with failed attempts counted per address and per login: after
 * too many, further attempts are refused until the window passes (HTTP 429, FTP 421).
 */
export class DeviceLogin {
  private readonly throttle = new LoginThrottle();

  constructor(private readonly devices: DeviceService) {}

  async authenticate(credentials: DeviceCredentials, address: string): Promise<DeviceLoginResult> {
    const keys = [`ip:${address}`, ...(credentials.login ? [`login:${credentials.login.slice(0, MAX_LOGIN_CHARS)}`] : [])];
    const retryAfterSeconds = this.throttle.retryAfterSeconds(keys);
    if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };
    // Control characters (NUL above all, which PostgreSQL refuses in text) never reach the database: a plain wrong login.
    const plausible =
      credentials.secret.length <= MAX_SECRET_CHARS && (credentials.login?.length ?? 0) <= MAX_LOGIN_CHARS && !/[\u0000-\u001f\u007f]/.test(credentials.secret + (credentials.login ?? ''));
    const device = plausible ? await this.devices.authenticate(credentials) : null;
    if (!device) {
      this.throttle.recordFailure(keys);
      return { outcome: 'refused', failures: this.throttle.failures(keys) };
    }
    this.throttle.recordSuccess(keys);
    return { outcome: 'ok', device };
  }
}
