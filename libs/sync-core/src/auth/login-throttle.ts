import { FailureCounts, MemoryFailureCounts } from './failure-counts.js';

/**
 * Counts failed logins per key (a login and an address, a login, an address) in a sliding window
 * and refuses further attempts for a key once it failed too often. The counts live where
 * `counts` keeps them: this process, or Redis so every gateway shares them.
 */
export class LoginThrottle {
  constructor(
    private readonly name: string,
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60_000,
    private readonly counts: FailureCounts = new MemoryFailureCounts(),
  ) {}

  private key(key: string): string {
    return `${this.name}:${key}`;
  }

  /** Seconds until `keys` may try again, or 0 when none of them is blocked. */
  async retryAfterSeconds(keys: string[], now = Date.now()): Promise<number> {
    return (await this.check(keys, now)).retryAfterSeconds;
  }

  /** The most recent failures of any of `keys` within the window. */
  async failures(keys: string[], now = Date.now()): Promise<number> {
    return (await this.check(keys, now)).failures;
  }

  /** Both of the above from one reading of the counts (a login needs both). */
  async check(keys: string[], now = Date.now()): Promise<{ retryAfterSeconds: number; failures: number }> {
    const recents = await Promise.all(keys.map((key) => this.counts.recent(this.key(key), now - this.windowMs)));
    const waits = recents.map((recent) => (recent.length >= this.maxFailures ? Math.ceil((recent[0]! + this.windowMs - now) / 1000) : 0));
    return { retryAfterSeconds: Math.max(0, ...waits), failures: Math.max(0, ...recents.map((recent) => recent.length)) };
  }

  async recordFailure(keys: string[], now = Date.now()): Promise<void> {
    for (const key of keys) await this.counts.add(this.key(key), now, this.maxFailures, this.windowMs);
  }

  async recordSuccess(keys: string[]): Promise<void> {
    for (const key of keys) await this.counts.clear(this.key(key));
  }

  /** Forgets `key` and every key starting with `key` + "\n" (an administrator clearing a lock-out). */
  async forget(key: string): Promise<number> {
    await this.counts.clear(this.key(key));
    return 1 + (await this.counts.clearPrefix(this.key(`${key}\n`)));
  }
}
