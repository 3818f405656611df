import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSite } from './support/suite.js';

/**
 * Two FieldSync deployments (each its own database) on one Redis: before, both used BullMQ's
 * fixed "bull:consolidate" keys and took each other's jobs. Each now keeps its queues under a
 * prefix of its own (QUEUE_PREFIX, by default derived from its database).
 */
describe('two deployments on one Redis', () => {
  const site = fieldSyncSite('sqlite');
  const otherDataDir = mkdtempSync(join(tmpdir(), 'fieldsync-other-'));
  afterAll(() => rmSync(otherDataDir, { recursive: true, force: true }));

  it('keep their jobs apart and each consolidates its own uploads', async () => {
    const first = await site.start();
    const second = await site.start({ env: { DATA_DIR: otherDataDir } });
    const batches: [AdminClient, string][] = [];
    for (const server of [first, second]) {
      const admin = new AdminClient(server.baseUrl);
      await admin.createProject('shared');
      const device = await admin.createDevice('shared');
      for (let i = 0; i < 5; i++) batches.push([admin, (await uploadAsDevice(server.baseUrl, device, featureCollection([feature()]))).body.batches[0].id]);
    }
    for (const [admin, id] of batches) expect((await admin.settled(id)).status).toBe('consolidated');

    const redis = new Redis(site.redis!.url);
    try {
      const keys = await redis.keys('*');
      const prefixes = new Set(keys.filter((key) => key.includes(':consolidate:')).map((key) => key.split(':consolidate:')[0]));
      expect(prefixes.size).toBe(2);
      for (const prefix of prefixes) expect(prefix).toMatch(/^fieldsync-[0-9a-f]{8}$/);
      expect(keys.some((key) => key.startsWith('bull:'))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
