import { Logger } from '@nestjs/common';
import { Device } from '../db/entities/index.js';
import { DeviceCredentials, DeviceService } from '../projects/device.service.js';
import { FailureCounts } from './failure-counts.js';
import { LoginThrottle } from './login-throttle.js';
import { keyIdOf } from './secret.js';

export type DeviceLoginResult = { outcome: 'ok'; device: Device } | { outcome: 'refused'; failures: number } | { outcome: 'throttled'; retryAfterSeconds: number };

const MAX_LOGIN_CHARS = 100;
const MAX_SECRET_CHARS = 200;

/**
 * Device login for every door. Wrong secrets are counted so that a guesser is stopped without
 * locking anyone else out: 10 per login *from one address* (the guesser's), then, more gently,
 * 100 per login from anywhere and 200 per address whatever the login (a spray). The real device
 * at its own address, and other devices behind the guesser's address, keep working. Refused
 * attempts are answered HTTP 429 / FTP 421 until the window passes, and logged (login and
 * address, never the secret).
 */
export class DeviceLogin {
  private readonly logger = new Logger('DeviceLogin');
  private readonly perLoginAndAddress: LoginThrottle;
  private readonly perLogin: LoginThrottle;
  private readonly perAddress: LoginThrottle;

  constructor(
    private readonly devices: DeviceService,
    counts: FailureCounts,
  ) {
    this.perLoginAndAddress = new LoginThrottle('device-at', 10, undefined, counts);
    this.perLogin = new LoginThrottle('device', 100, undefined, counts);
    this.perAddress = new LoginThrottle('address', 200, undefined, counts);
  }

  async authenticate(credentials: DeviceCredentials, address: string): Promise<DeviceLoginResult> {
    // A Bearer secret names its device by the secret's public key id.
    const login = (credentials.login ?? `key:${keyIdOf(credentials.secret) ?? '-'}`).slice(0, MAX_LOGIN_CHARS);
    const strict = [`${login}\n${address}`];
    const byLogin = [login];
    const byAddress = [address];
    // Asked together: with Redis they go out in one round trip (auto-pipelined), one login per upload.
    const [strictState, loginWait, addressWait] = await Promise.all([this.perLoginAndAddress.check(strict), this.perLogin.retryAfterSeconds(byLogin), this.perAddress.retryAfterSeconds(byAddress)]);
    const retryAfterSeconds = Math.max(strictState.retryAfterSeconds, loginWait, addressWait);
    if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };
    // Control characters (NUL above all, which PostgreSQL refuses in text) never reach the database: a plain wrong login.
    const plausible =
      credentials.secret.length <= MAX_SECRET_CHARS && (credentials.login?.length ?? 0) <= MAX_LOGIN_CHARS && !/[\u0000-\u001f\u007f]/.test(credentials.secret + (credentials.login ?? ''));
    const device = plausible ? await this.devices.authenticate(credentials) : null;
    if (!device) {
      await this.perLoginAndAddress.recordFailure(strict);
      await this.perLogin.recordFailure(byLogin);
      await this.perAddress.recordFailure(byAddress);
      const failures = await this.perLoginAndAddress.failures(strict);
      this.logger.warn({ message: 'device login refused', login: JSON.stringify(login).slice(1, -1), address, failures });
      return { outcome: 'refused', failures };
    }
    if (strictState.failures > 0) await this.perLoginAndAddress.recordSuccess(strict);
    return { outcome: 'ok', device };
  }

  /** An administrator lifts a device's lock-out, where the counts are kept (Redis in queue mode: every gateway). */
  async clear(login: string): Promise<number> {
    return (await this.perLoginAndAddress.forget(login)) + (await this.perLogin.forget(login));
  }

  /** The names a device's failures are counted under: its login (Basic) and its key id (a Bearer secret). */
  private namesOf(device: Pick<Device, 'login' | 'secretKeyId'>): string[] {
    return [device.login, `key:${device.secretKeyId}`];
  }

  /** Wrong secrets sent for a device within the window, from any address: what an administrator is shown. */
  async wrongSecrets(device: Pick<Device, 'login' | 'secretKeyId'>): Promise<number> {
    return this.perLogin.failures(this.namesOf(device));
  }

  /** Lifts every lock-out of a device, whichever way its secret was sent. */
  async clearDevice(device: Pick<Device, 'login' | 'secretKeyId'>): Promise<number> {
    let cleared = 0;
    for (const name of this.namesOf(device)) cleared += await this.clear(name);
    return cleared;
  }
}
