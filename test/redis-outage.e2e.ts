import { describe, expect, it } from 'vitest';
import { uploadAsDevice } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { fieldSyncSuite } from './support/suite.js';

describe.each<StoreKind>(['sqlite', 'postgres'])('uploads while Redis is away, on %s', (kind) => {
  // FieldSync starts while its Redis is down. Every file goes through the queue here (small files
  // merged at upload need no queue: the last test shows them unaffected by the outage).
  const suite = fieldSyncSuite(kind, { redisStopped: true, env: { INLINE_MERGE_MAX_BYTES: '0' } });

  it('starts without Redis, acknowledges uploads, and consolidates them once Redis is back, with no manual step', async () => {
    await waitFor('the warning about Redis', async () => /Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable/.test(suite.server.logs));
    await suite.admin.createProject('kruger');
    const device = await suite.admin.createDevice('kruger');

    const features = Array.from({ length: 4 }, () => feature());
    const batchIds: string[] = [];
    for (const f of features) {
      const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([f]));
      expect(answer.status).toBe(202);
      batchIds.push(answer.body.batches[0].id);
    }
    expect((await fetch(`${suite.server.baseUrl}/health/ready`)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const id of batchIds) expect((await suite.admin.batch(id)).status).toBe('received');

    await suite.redis!.resume();
    for (const id of batchIds) expect((await suite.admin.settled(id, 60_000)).status).toBe('consolidated');
    const ids = (await suite.admin.allSightings('kruger')).map((row) => row.id).sort();
    expect(ids).toEqual(features.map((f) => f.properties.id.slice(1, -1).toLowerCase()).sort());
  });

  it('recovers when Redis stops while running and comes back empty (queue lost)', async () => {
    const device = await suite.admin.createDevice('kruger', 'second');
    await suite.redis!.stop();
    const f = feature();
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([f]));
    expect(answer.status).toBe(202);
    await suite.redis!.resume();
    expect((await suite.admin.settled(answer.body.batches[0].id, 60_000)).status).toBe('consolidated');
    const rows = (await suite.admin.allSightings('kruger')).filter((row) => row.id === f.properties.id.slice(1, -1).toLowerCase());
    expect(rows).toHaveLength(1);
  });
});

describe.each<StoreKind>(['sqlite', 'postgres'])('small uploads while Redis is away, on %s', (kind) => {
  const suite = fieldSyncSuite(kind, { redisStopped: true });

  it('merges them at upload, so Redis being away delays nothing', async () => {
    await suite.admin.createProject('kruger');
    const device = await suite.admin.createDevice('kruger');
    const f = feature();
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([f]));
    expect(answer.status).toBe(202);
    expect(answer.body.batches[0].status).toBe('consolidated');
    expect((await suite.admin.allSightings('kruger')).map((row) => row.id)).toEqual([f.properties.id.slice(1, -1).toLowerCase()]);
    // Back for the stop at the end: a stop while Redis is away still waits on it (operator's list, point 5).
    await suite.redis!.resume();
  });
});
