import { describe, expect, it } from 'vitest';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { fieldSyncSuite } from './support/suite.js';

const ROWS = 300_000;

/** A CSV of `rows` sightings with ids prefixed so that each file's are its own. */
function bigCsv(prefix: string, rows: number): Buffer {
  const lines = ['id,deviceId,dateTime,latitude,longitude,Species,Count'];
  for (let index = 0; index < rows; index++) lines.push(`${prefix}-${index},ct-1,2026-03-01T10:00:00Z,${-24 - (index % 1000) / 1000},${31 + (index % 997) / 1000},Impala,${index % 40}`);
  return Buffer.from(lines.join('\n'));
}

/**
 * The embedded default (SQLite, one writer): a large file is merged in slices, each its own
 * transaction, so a small upload sent meanwhile is acknowledged while the large merge goes on (it
 * waited for all of it: 52 s behind a 500,000-row CSV); a merge stopped between slices goes on
 * after them, every record once, its counts whole.
 */
describe('a large merge on the embedded database', () => {
  const suite = fieldSyncSuite('sqlite', { mode: 'embedded' });

  const progressOf = async (batchId: string) => (await suite.store.query<{ status: string; merged_records: number }>(`SELECT status, merged_records FROM batch WHERE id = '${batchId}'`))[0]!;

  it('lets a small upload be acknowledged while it goes on', { timeout: 300_000 }, async () => {
    await suite.admin.createProject('slices');
    const device = await suite.admin.createDevice('slices');
    const large = await uploadAsDevice(suite.server.baseUrl, device, bigCsv('big', ROWS), ['-H', 'X-File-Name: big.csv']);
    expect(large.status).toBe(202);
    const largeId = large.body.batches[0].id as string;
    // Sent once the merge is under way, between its slices (a condition, not a time).
    await waitFor('the large merge under way', async () => (await progressOf(largeId)).merged_records > 0, 120_000, 20);
    const small = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([feature({ id: 'small-1' }), feature({ id: 'small-2' })]));
    expect(small.status).toBe(202);
    expect(small.body.batches[0].status).toBe('consolidated');
    // Acknowledged, merged and in the feed while the large file is still being merged.
    expect((await progressOf(largeId)).status).toBe('processing');
    const done = await suite.admin.settled(largeId, 240_000);
    expect(done).toMatchObject({ status: 'consolidated', counts: { records: ROWS, new: ROWS, duplicate: 0, rejected: 0 } });
    expect(await suite.store.count('sighting', `uid LIKE 'big-%'`)).toBe(ROWS);
  });

  it('goes on after its committed slices when the server is killed mid-merge: every record once, its counts whole', { timeout: 300_000 }, async () => {
    const device = await suite.admin.createDevice('slices', 'second');
    const large = await uploadAsDevice(suite.server.baseUrl, device, bigCsv('resumed', ROWS), ['-H', 'X-File-Name: resumed.csv']);
    const largeId = large.body.batches[0].id as string;
    await waitFor('some slices committed', async () => (await progressOf(largeId)).merged_records > 0, 120_000, 20);
    await suite.restart('kill');
    const done = await suite.admin.settled(largeId, 240_000);
    expect(done).toMatchObject({ status: 'consolidated', counts: { records: ROWS, new: ROWS, updated: 0, duplicate: 0, rejected: 0 } });
    expect(await suite.store.count('sighting', `uid LIKE 'resumed-%'`)).toBe(ROWS);
    const [{ seqs, unique }] = await suite.store.query<{ seqs: number; unique: number }>(`SELECT COUNT(seq) AS seqs, COUNT(DISTINCT seq) AS "unique" FROM sighting WHERE uid LIKE 'resumed-%'`);
    expect(Number(unique)).toBe(Number(seqs));
  });
});
