import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BullMqTransport } from './bullmq-transport.js';
import { RedisLink } from './redis.js';

// The suite's Redis (.ci/run starts it); a prefix of its own keeps this test's keys apart.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('BullMqTransport', () => {
  it('answers a ping made before its first connection is up, as a health check right after start does', async () => {
    // Its producer queues nothing offline: a ping at once used to fail with "not connected" and
    // a freshly started container reported itself not ready.
    const transport = new BullMqTransport(new RedisLink(REDIS_URL), `spec-${randomUUID()}`);
    try {
      await expect(transport.ping()).resolves.toBeUndefined();
    } finally {
      await transport.close();
    }
  });

  it('says in words that Redis is away when nothing listens', async () => {
    const transport = new BullMqTransport(new RedisLink('redis://127.0.0.1:1'), `spec-${randomUUID()}`);
    try {
      await expect(transport.ping()).rejects.toThrow(/^not reachable at redis:\/\/127\.0\.0\.1:1: connection refused/);
    } finally {
      await transport.close();
    }
  });
});
