import { Redis, RedisOptions } from 'ioredis';

/**
 * Producers fail fast when Redis is away (the batch is already committed and the reconciler
 * will enqueue it later); workers wait for Redis forever, as BullMQ requires.
 */
export function redisConnection(url: string, role: 'producer' | 'worker'): Redis {
  const options: RedisOptions =
    role === 'producer' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false } : { maxRetriesPerRequest: null, enableReadyCheck: true };
  const connection = new Redis(url, { ...options, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
  // Without a listener ioredis reports every reconnect failure as an unhandled error.
  connection.on('error', () => undefined);
  return connection;
}
