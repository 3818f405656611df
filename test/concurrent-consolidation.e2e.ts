import { describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { uploadAsDevice } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSite } from './support/suite.js';

const DEVICES = 6;
const UPLOADS_PER_DEVICE = 8;
const FEATURES_PER_UPLOAD = 25;

describe.each<StoreKind>(['sqlite', 'postgres'])('two consolidators, concurrent uploaders and a cursor reader on %s', (kind) => {
  const site = fieldSyncSite(kind);

  it('delivers every sighting exactly once, in commit order, to a reader paging throughout', async () => {
    const gateway = await site.start({ roles: 'gateway' });
    for (let i = 0; i < 2; i++) await site.start({ roles: 'consolidator', env: { CONSOLIDATOR_CONCURRENCY: '3' } });
    const admin = new AdminClient(gateway.baseUrl);
    await admin.createProject('kruger');
    const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => admin.createDevice('kruger', `handheld ${i}`)));

    // Every device sends new sightings, and re-sends (edited) ones it sent before: revisions race with new rows.
    const latestCount = new Map<string, number>();
    const batchIds: string[] = [];
    let uploading = true;
    const uploaders = devices.map(async (device, d) => {
      const mine: ReturnType<typeof feature>[] = [];
      for (let u = 0; u < UPLOADS_PER_DEVICE; u++) {
        const fresh = Array.from({ length: FEATURES_PER_UPLOAD - 5 }, () => feature({ deviceId: `ct-${d}` }));
        const edits = mine.slice(-5).map((f) => feature({ id: f.properties.id, deviceId: `ct-${d}`, count: u + 10, latitude: f.properties.latitude, longitude: f.properties.longitude }));
        mine.push(...fresh);
        const answer = await uploadAsDevice(gateway.baseUrl, device, featureCollection([...fresh, ...edits]));
        expect(answer.status).toBe(202);
        batchIds.push(answer.body.batches[0].id);
        for (const f of [...fresh, ...edits]) latestCount.set(f.properties.id.slice(1, -1).toLowerCase(), f.properties.sighting!.Count);
      }
    });

    const seen: { id: string; revision: number; seq: number; count: number }[] = [];
    const reader = (async () => {
      let after = '0';
      for (;;) {
        const finished = !uploading;
        const page = await admin.expect(200, 'GET', `/api/v1/projects/kruger/sightings?after=${after}&limit=37`);
        seen.push(...page.sightings.map((row: any) => ({ id: row.id, revision: row.revision, seq: row.seq, count: row.data.Count })));
        after = page.next;
        if (finished && page.sightings.length === 0) return;
        if (page.sightings.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await Promise.all(uploaders);
    for (const id of batchIds) expect((await admin.settled(id, 120_000)).status).toBe('consolidated');
    uploading = false;
    await reader;

    const seqs = seen.map((row) => row.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seen.map((row) => `${row.id}#${row.revision}`)).size).toBe(seen.length);
    const lastSeen = new Map<string, number>();
    for (const row of seen) lastSeen.set(row.id, row.count);
    expect(lastSeen).toEqual(latestCount);
    expect(await site.store.count('sighting')).toBe(latestCount.size);
    expect(latestCount.size).toBe(DEVICES * UPLOADS_PER_DEVICE * (FEATURES_PER_UPLOAD - 5));
  });
});
