import { Logger } from '@nestjs/common';
import { Redis, RedisOptions } from 'ioredis';
import { shownUrl } from '../config/shown-url.js';

/** What went wrong with Redis, in words an operator can act on (ioredis's own texts are about its internals). */
export function redisProblemInWords(error: Error & { code?: string }): string {
  const text = `${error.code ?? ''} ${error.message}`;
  if (/ECONNREFUSED/.test(text)) return 'connection refused: nothing listens at that address';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'host name not found';
  if (/ETIMEDOUT|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH/.test(text)) return 'no answer: the host or the network is down';
  if (/NOAUTH|WRONGPASS|invalid password/i.test(text)) return 'password refused: check the password in REDIS_URL';
  if (/enableOfflineQueue|Connection is closed|Stream isn't writeable/.test(text)) return 'not connected';
  return error.message;
}

/**
 * Whether this process reaches Redis, watched over all its connections: a loss is logged once
 * and the return once (ioredis reports every reconnect attempt, several a second per connection).
 */
export class RedisLink {
  private readonly logger = new Logger('Redis');
  private problem: string | null = null;

  constructor(readonly url: string) {}

  /** Null while Redis answers; otherwise why not, in plain words. */
  get trouble(): string | null {
    return this.problem;
  }

  /** A connection for this process (`autoPipelining`: see below): producers fail fast while Redis is away (the batch is already committed and the reconciler queues it later); workers wait for it, as BullMQ requires. */
  connect(role: 'producer' | 'worker', options: { autoPipelining?: boolean } = {}): Redis {
    const byRole: RedisOptions =
      role === 'producer' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false } : { maxRetriesPerRequest: null, enableReadyCheck: true };
    // Auto-pipelining sends the commands issued in one tick together (a login's checks: one write, one round trip).
    const connection = new Redis(this.url, { ...byRole, enableAutoPipelining: options.autoPipelining ?? false, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
    connection.on('error', (error: Error) => this.lost(error));
    connection.on('ready', () => this.back());
    return connection;
  }

  private lost(error: Error): void {
    if (this.problem !== null) return;
    this.problem = redisProblemInWords(error);
    this.logger.warn(`lost Redis at ${shownUrl(this.url)} (${this.problem}). Uploads are still accepted and kept; they are consolidated once Redis is back. ` + 'Start Redis or correct REDIS_URL.');
  }

  private back(): void {
    if (this.problem === null) return;
    this.problem = null;
    this.logger.log(`Redis at ${shownUrl(this.url)} is reachable again; waiting batches are being consolidated`);
  }
}
