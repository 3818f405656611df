import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { uploadAsDevice } from './support/curl.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { PrivateRedis } from './support/redis-server.js';

describe.each<StoreKind>(['sqlite', 'postgres'])('uploads while Redis is away, on %s', (kind) => {
  let store: StoreUnderTest;
  let redis: PrivateRedis;
  let server: FieldSyncProcess;
  let admin: AdminClient;

  beforeAll(async () => {
    [store, redis] = await Promise.all([StoreUnderTest.create(kind), PrivateRedis.start()]);
  });

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await store?.destroy();
  });

  it('starts without Redis, acknowledges uploads, and consolidates them once Redis is back, with no manual step', async () => {
    await redis.stop();
    server = await FieldSyncProcess.start({ store, redisUrl: redis.url });
    await waitFor('the warning about Redis', async () => /Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable/.test(server.logs));
    admin = new AdminClient(server.baseUrl);
    await admin.createProject('kruger');
    const device = await admin.createDevice('kruger');

    const features = Array.from({ length: 4 }, () => feature());
    const batchIds: string[] = [];
    for (const f of features) {
      const answer = await uploadAsDevice(server.baseUrl, device, featureCollection([f]));
      expect(answer.status).toBe(202);
      batchIds.push(answer.body.batches[0].id);
    }
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const id of batchIds) expect((await admin.batch(id)).status).toBe('received');

    await redis.resume();
    for (const id of batchIds) expect((await admin.settled(id, 60_000)).status).toBe('consolidated');
    const ids = (await admin.allSightings('kruger')).map((row) => row.id).sort();
    expect(ids).toEqual(features.map((f) => f.properties.id.slice(1, -1).toLowerCase()).sort());
  });

  it('recovers when Redis stops while running and comes back empty (queue lost)', async () => {
    const device = await admin.createDevice('kruger', 'second');
    await redis.stop();
    const f = feature();
    const answer = await uploadAsDevice(server.baseUrl, device, featureCollection([f]));
    expect(answer.status).toBe(202);
    await redis.resume();
    expect((await admin.settled(answer.body.batches[0].id, 60_000)).status).toBe('consolidated');
    const rows = (await admin.allSightings('kruger')).filter((row) => row.id === f.properties.id.slice(1, -1).toLowerCase());
    expect(rows).toHaveLength(1);
  });
});
