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
    await waitFor('the warning about Redis', async () => /lost Redis at redis:\/\/127\.0\.0\.1:\d+ \(connection refused/.test(suite.server.logs));
    await suite.admin.createProject('kruger');
    const device = await suite.admin.createDevice('kruger');

    const features = Array.from({ length: 4 }, () => feature());
    const batchIds: string[] = [];
    for (const f of features) {
      const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([f]));
      expect(answer.status).toBe(202);
      batchIds.push(answer.body.batches[0].id);
    }
    const ready = await fetch(`${suite.server.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { redis: { error: string } }).redis.error).toMatch(
      /^not reachable at redis:\/\/127\.0\.0\.1:\d+: connection refused: nothing listens at that address; uploads are kept/,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const id of batchIds) expect((await suite.admin.batch(id)).status).toBe('received');
    // Several connections retry every 2 s each, and every upload fails to queue: each thing is said once.
    expect(suite.server.logs.match(/lost Redis/g)).toHaveLength(1);
    const warnings = suite.server.logs.split('\n').flatMap((line) => /\sWARN\s(.*)$/.exec(line)?.[1] ?? []);
    expect(warnings.filter((line) => /not queued/.test(line))).toHaveLength(1);
    expect(warnings.length, warnings.join('\n')).toBe(new Set(warnings).size);

    await suite.redis!.resume();
    for (const id of batchIds) expect((await suite.admin.settled(id, 60_000)).status).toBe('consolidated');
    expect(suite.server.logs.match(/Redis at redis:\S+ is reachable again/g)).toHaveLength(1);
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
  });

  it('stops on SIGTERM within the grace period while Redis is still away', async () => {
    const stopped = Date.now();
    await suite.server.stop();
    // An orchestrator sends SIGKILL 10 s after SIGTERM; before this stop waited for Redis without end.
    expect(Date.now() - stopped).toBeLessThan(5000);
  });
});
