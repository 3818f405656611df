import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * Where failed logins are counted: in this process (embedded mode), or in Redis (queue mode) so
 * that every gateway sees the same counts and a guesser cannot spread over them.
 */
export interface FailureCounts {
  /** The times (ms) of `key`'s failures since `since`, oldest first. */
  recent(key: string, since: number): Promise<number[]>;
  /** Records a failure at `at`, keeping at most `keep` and forgetting them after `windowMs`. */
  add(key: string, at: number, keep: number, windowMs: number): Promise<void>;
  clear(key: string): Promise<void>;
  /** Clears every key starting with `prefix`; returns how many. */
  clearPrefix(prefix: string): Promise<number>;
}

export class MemoryFailureCounts implements FailureCounts {
  private readonly byKey = new Map<string, number[]>();

  async recent(key: string, since: number): Promise<number[]> {
    return (this.byKey.get(key) ?? []).filter((at) => at > since);
  }

  async add(key: string, at: number, keep: number, windowMs: number): Promise<void> {
    this.byKey.set(key, [...(await this.recent(key, at - windowMs)), at].slice(-keep));
    if (this.byKey.size > 100_000) for (const [name, times] of this.byKey) if (times.every((time) => time <= at - windowMs)) this.byKey.delete(name);
  }

  async clear(key: string): Promise<void> {
    this.byKey.delete(key);
  }

  async clearPrefix(prefix: string): Promise<number> {
    let cleared = 0;
    for (const key of [...this.byKey.keys()]) if (key.startsWith(prefix) && this.byKey.delete(key)) cleared++;
    return cleared;
  }
}

/**
 * Counts in Redis, one sorted set per key (score: the time). While Redis is away the counting
 * goes on in this process's memory: logins keep working, and guessing stays limited.
 */
export class RedisFailureCounts implements FailureCounts {
  private readonly logger = new Logger('FailedLogins');
  private readonly fallback = new MemoryFailureCounts();
  private away = false;

  private readonly namespace: string;

  /** `prefix`: the deployment's (QUEUE_PREFIX), so deployments sharing a Redis count apart. */
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.namespace = `${prefix}:failed-logins:`;
  }

  private async attempt<T>(work: () => Promise<T>, instead: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (this.away) this.logger.log('Redis is back: failed logins are counted there again, shared by every gateway');
      this.away = false;
      return result;
    } catch (error) {
      if (!this.away) this.logger.warn(`Redis is away (${(error as Error).message}): failed logins are counted in this process until it is back`);
      this.away = true;
      return instead();
    }
  }

  recent(key: string, since: number): Promise<number[]> {
    return this.attempt(
      async () => {
        const flat = await this.redis.zrangebyscore(this.namespace + key, `(${since}`, '+inf', 'WITHSCORES');
        return flat.filter((_, index) => index % 2 === 1).map(Number);
      },
      () => this.fallback.recent(key, since),
    );
  }

  add(key: string, at: number, keep: number, windowMs: number): Promise<void> {
    return this.attempt(
      async () => {
        const name = this.namespace + key;
        await this.redis
          .multi()
          .zadd(name, at, `${at}:${randomUUID()}`)
          .zremrangebyscore(name, '-inf', at - windowMs)
          .zremrangebyrank(name, 0, -keep - 1)
          .pexpire(name, windowMs)
          .exec();
      },
      () => this.fallback.add(key, at, keep, windowMs),
    );
  }

  clear(key: string): Promise<void> {
    return this.attempt(
      async () => void (await this.redis.del(this.namespace + key)),
      () => this.fallback.clear(key),
    );
  }

  clearPrefix(prefix: string): Promise<number> {
    return this.attempt(
      async () => {
        let cleared = 0;
        const pattern = `${this.namespace}${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
        let cursor = '0';
        do {
          const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) cleared += await this.redis.del(...keys);
        } while (cursor !== '0');
        return cleared + (await this.fallback.clearPrefix(prefix));
      },
      () => this.fallback.clearPrefix(prefix),
    );
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** The Nest token of the process's failure counts (Redis in queue mode, memory in embedded mode). */
export const FAILURE_COUNTS = Symbol('FAILURE_COUNTS');
