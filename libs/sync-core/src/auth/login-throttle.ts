/**
 * Counts failed logins per key (an address, a login) in a sliding window and refuses further
 * attempts for a key once it failed too often. In memory, per process: enough to make guessing
 * a secret impractical; a load balancer's limits can add to it.
 */
export class LoginThrottle {
  private readonly failuresByKey = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds until `keys` may try again, or 0 when none of them is blocked. */
  retryAfterSeconds(keys: string[], now = Date.now()): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.maxFailures) wait = Math.max(wait, Math.ceil((recent[0] + this.windowMs - now) / 1000));
    }
    return wait;
  }

  /** The most recent failures of any of `keys` within the window. */
  failures(keys: string[], now = Date.now()): number {
    return Math.max(0, ...keys.map((key) => this.recent(key, now).length));
  }

  recordFailure(keys: string[], now = Date.now()): void {
    for (const key of keys) this.failuresByKey.set(key, [...this.recent(key, now), now].slice(-this.maxFailures));
    if (this.failuresByKey.size > 100_000) this.prune(now);
  }

  recordSuccess(keys: string[]): void {
    for (const key of keys) this.failuresByKey.delete(key);
  }

  /** Forgets every key `matches` accepts (an administrator clearing a lock-out); returns how many. */
  forget(matches: (key: string) => boolean): number {
    let forgotten = 0;
    for (const key of [...this.failuresByKey.keys()]) if (matches(key) && this.failuresByKey.delete(key)) forgotten++;
    return forgotten;
  }

  private recent(key: string, now: number): number[] {
    return (this.failuresByKey.get(key) ?? []).filter((at) => at > now - this.windowMs);
  }

  private prune(now: number): void {
    for (const key of this.failuresByKey.keys()) if (this.recent(key, now).length === 0) this.failuresByKey.delete(key);
  }
}
