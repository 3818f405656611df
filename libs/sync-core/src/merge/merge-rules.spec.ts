import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../db/database.js';
import { Batch, Sighting } from '../db/entities/index.js';
import { BlobStore } from '../ingest/blob-store.js';
import { IngestService } from '../ingest/ingest.service.js';
import { ProjectService } from '../projects/project.service.js';
import { ConsolidateQueue } from '../queue/consolidate-queue.js';
import { InProcessTransport } from '../queue/in-process-transport.js';
import { MergeService } from './merge.service.js';
import { decodedInMemory } from './decoded-file.js';
import { ReviewDesk } from '../review/review-desk.service.js';

interface Spec {
  id: string;
  count?: number;
  deleted?: boolean;
  photo?: string;
}

const feature = ({ id, count = 1, deleted, photo }: Spec) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [31.5, -24.1] },
  properties: { id, deviceId: 'ct-1', dateTime: '2026-03-01T10:00:00+02:00', ...(deleted ? { deleted: true } : {}), sighting: { Species: 'Lion', Count: count, ...(photo ? { Photo: photo } : {}) } },
});
const file = (...specs: Spec[]) => Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: specs.map(feature) }));
/** A JPEG's first bytes and filler, base64: the decoder moves it out into an attachment. */
const jpeg = (fill: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, fill)]).toString('base64');

/**
 * The merge rules, in-process on a real SQLite file and without a server: each test ingests files
 * into its own project and runs MergeService.consolidate as the consolidator would. Runs in
 * about a second; the end-to-end suites check the same through the doors.
 */
describe('merge rules (in-process, SQLite)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'fieldsync-merge-'));
  let database: Database;
  let ingest: IngestService;
  let merge: MergeService;
  let projects: ProjectService;
  let transport: InProcessTransport;
  let projectCount = 0;

  beforeAll(async () => {
    database = await Database.open({ type: 'sqlite', path: join(folder, 'fieldsync.sqlite') });
    const blobs = new BlobStore(database);
    // No worker takes the jobs: each test merges its batches itself, in the order it chooses.
    transport = new InProcessTransport();
    merge = new MergeService(database, blobs);
    // Nothing merges at upload here (inline merging off), so each test orders the merges itself.
    ingest = new IngestService(database, blobs, new ConsolidateQueue(transport), merge, { maxUploadBytes: 64 * 1024 * 1024, inlineMergeMaxBytes: 0 });
    projects = new ProjectService(database);
  });

  afterAll(async () => {
    await transport.close();
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function project(): Promise<string> {
    return (await projects.create(`p${++projectCount}`, 'merge rules')).id;
  }

  async function received(projectId: string, body: Buffer): Promise<string> {
    return (await ingest.accept({ projectId, deviceId: null, door: 'cli', fileName: 'sightings.geojson', body: [body] })).id;
  }

  async function mergeEach(...batchIds: string[]) {
    for (const id of batchIds) await merge.consolidate(id);
    return database.read(async (manager) => ({
      batches: await Promise.all(
        batchIds.map((id) => manager.query(`SELECT new_count AS "new", updated_count AS updated, duplicate_count AS duplicate FROM batch WHERE id = '${id}'`).then((rows) => rows[0])),
      ),
    }));
  }

  const sightings = (projectId: string) => database.read((manager) => manager.find(Sighting, { where: { projectId }, order: { seq: 'ASC' } }));

  it("merges small files inside the uploads' own transactions, shared by uploads arriving together", async () => {
    const p = await project();
    const mergingNow = new IngestService(database, new BlobStore(database), new ConsolidateQueue(transport), merge, { maxUploadBytes: 1024 * 1024, inlineMergeMaxBytes: 256 * 1024 });
    const upload = (id: string, alsoCommit?: () => Promise<void>) =>
      mergingNow.accept({ projectId: p, deviceId: null, door: 'cli', fileName: `${id}.geojson`, body: [file({ id })] }, alsoCommit && (() => alsoCommit()));
    // One upload fails inside the shared transaction: it fails alone, the others are committed.
    const answers = await Promise.allSettled([
      ...Array.from({ length: 12 }, (_, index) => upload(`s${index}`)),
      upload('bad', () => Promise.reject(new Error('refused by its door'))),
      ...Array.from({ length: 12 }, (_, index) => upload(`t${index}`)),
    ]);
    expect(answers.filter((answer) => answer.status === 'rejected').map((answer) => (answer as PromiseRejectedResult).reason.message)).toEqual(['refused by its door']);
    const batches = answers.filter((answer) => answer.status === 'fulfilled').map((answer) => (answer as PromiseFulfilledResult<Batch>).value);
    // Acknowledged as merged: the answer says so, with its counts, and no job was queued.
    expect(batches.every((batch) => batch.status === 'consolidated' && batch.new === 1)).toBe(true);
    const stored = await sightings(p);
    expect(stored.map((row) => row.seq)).toEqual(Array.from({ length: 24 }, (_, index) => index + 1));
    expect(stored.map((row) => row.uid).sort()).toEqual([...batches.map((batch) => batch.fileName!.replace('.geojson', ''))].sort());
    const [feed] = await database.read((manager) => manager.query(`SELECT last_seq FROM project_feed WHERE project_id = '${p}'`));
    expect(Number(feed.last_seq)).toBe(24);
  });

  it('stores a new sighting as revision 1 at the next seq', async () => {
    const p = await project();
    const { batches } = await mergeEach(await received(p, file({ id: 'a' })));
    expect(batches[0]).toEqual({ new: 1, updated: 0, duplicate: 0 });
    expect((await sightings(p)).map(({ uid, revision, seq }) => ({ uid, revision, seq }))).toEqual([{ uid: 'a', revision: 1, seq: 1 }]);
  });

  it('counts the same content again as a duplicate, with no new seq', async () => {
    const p = await project();
    const { batches } = await mergeEach(await received(p, file({ id: 'a' })), await received(p, file({ id: 'a' })));
    expect(batches[1]).toEqual({ new: 0, updated: 0, duplicate: 1 });
    expect((await sightings(p)).map(({ revision, seq }) => ({ revision, seq }))).toEqual([{ revision: 1, seq: 1 }]);
  });

  it('makes changed content the next revision at a new seq', async () => {
    const p = await project();
    await mergeEach(await received(p, file({ id: 'a', count: 1 })), await received(p, file({ id: 'a', count: 2 })));
    const [row] = await sightings(p);
    expect(row).toMatchObject({ revision: 2, seq: 2, data: { Count: 2 } });
  });

  it('keeps a deletion as a tombstone at a new seq', async () => {
    const p = await project();
    await mergeEach(await received(p, file({ id: 'a' })), await received(p, file({ id: 'a', deleted: true })));
    expect(await sightings(p)).toEqual([expect.objectContaining({ uid: 'a', deleted: true, revision: 2, seq: 2 })]);
  });

  it('never lets a batch that arrived earlier, merged later, revert a newer version', async () => {
    const p = await project();
    // Over 1 MB, so merging the newer batch does not take the older one along (small files merge in arrival order).
    const padded = JSON.stringify({ ...JSON.parse(file({ id: 'a', count: 1 }).toString()), padding: 'x'.repeat(1_100_000) });
    const older = await received(p, Buffer.from(padded));
    // Receipt times have millisecond resolution: two receipts within one millisecond merge in merge order.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newer = await received(p, file({ id: 'a', count: 2 }));
    const { batches } = await mergeEach(newer, older);
    expect(batches[1]).toEqual({ new: 0, updated: 0, duplicate: 1 });
    expect(await sightings(p)).toEqual([expect.objectContaining({ revision: 1, data: expect.objectContaining({ Count: 2 }) })]);
  });

  it('stores the last version of a uid that appears twice in one file, once', async () => {
    const p = await project();
    const { batches } = await mergeEach(await received(p, file({ id: 'a', count: 1 }, { id: 'a', count: 5 })));
    expect(batches[0]).toEqual({ new: 1, updated: 1, duplicate: 0 });
    expect(await sightings(p)).toEqual([expect.objectContaining({ uid: 'a', data: expect.objectContaining({ Count: 5 }) })]);
  });

  it('leaves no hole in the feed when a uid appears twice in one file', async () => {
    const p = await project();
    await mergeEach(await received(p, file({ id: 'a', count: 1 }, { id: 'b' }, { id: 'a', count: 5 })));
    expect((await sightings(p)).map(({ uid, seq }) => ({ uid, seq }))).toEqual([
      { uid: 'a', seq: 1 },
      { uid: 'b', seq: 2 },
    ]);
    const [feed] = await database.read((manager) => manager.query(`SELECT last_seq FROM project_feed WHERE project_id = '${p}'`));
    expect(Number(feed.last_seq)).toBe(2);
  });

  it('keeps the version before a file that changes a sighting twice, at one new seq', async () => {
    const p = await project();
    await mergeEach(await received(p, file({ id: 'a', count: 1 }, { id: 'z' })));
    await mergeEach(await received(p, file({ id: 'a', count: 2 }, { id: 'a', count: 3 })));
    expect((await sightings(p)).map(({ uid, seq, data }) => ({ uid, seq, count: data.Count }))).toEqual([
      { uid: 'z', seq: 2, count: 1 },
      { uid: 'a', seq: 3, count: 3 },
    ]);
    const versions = await database.read((manager) => manager.query(`SELECT seq, data FROM sighting_version WHERE project_id = '${p}'`));
    expect(versions.map((version: { seq: number; data: string }) => ({ seq: Number(version.seq), count: JSON.parse(version.data).Count }))).toEqual([{ seq: 1, count: 1 }]);
  });

  it('treats GUID spellings as one sighting ({ABC-…} and abc-…)', async () => {
    const p = await project();
    const guid = '6f1c7a3e-1111-4c3b-9a77-0d9e6c1d2e3f';
    const { batches } = await mergeEach(await received(p, file({ id: `{${guid.toUpperCase()}}` })), await received(p, file({ id: guid })));
    expect(batches[1]).toEqual({ new: 0, updated: 0, duplicate: 1 });
    expect((await sightings(p)).map((row) => row.uid)).toEqual([guid]);
  });

  it('keeps the revision when only attachments changed, at a new seq', async () => {
    const p = await project();
    await mergeEach(await received(p, file({ id: 'a', photo: jpeg(1) })), await received(p, file({ id: 'a', photo: jpeg(2) })));
    const [row] = await sightings(p);
    expect(row).toMatchObject({ revision: 1, seq: 2 });
    expect(row.attachments).toHaveLength(1);
  });

  it('merges files larger than one write step (1,700 records) in order, each once', async () => {
    const p = await project();
    const specs = Array.from({ length: 1700 }, (_, i) => ({ id: `r${i}` }));
    const { batches } = await mergeEach(await received(p, file(...specs)));
    expect(batches[0]).toEqual({ new: 1700, updated: 0, duplicate: 0 });
    const rows = await sightings(p);
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 1700 }, (_, i) => i + 1));
  });

  describe('small files merged together at upload follow the same rules as one by one', () => {
    const notGeoJson = Buffer.from('this is not a sightings file');
    const withBadRecord = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [feature({ id: 'k' }), { type: 'Feature', geometry: null, properties: {} }, feature({ id: 'm' })] }));
    const guid = '6f1c7a3e-2222-4c3b-9a77-0d9e6c1d2e3f';
    it.each<[string, Buffer[]]>([
      ['the same content twice', [file({ id: 'a' }), file({ id: 'a' })]],
      ['changed content, then changed again', [file({ id: 'a', count: 1 }, { id: 'z' }), file({ id: 'a', count: 2 }, { id: 'a', count: 3 }), file({ id: 'a', count: 4 })]],
      ['a deletion after the record', [file({ id: 'a' }), file({ id: 'a', deleted: true })]],
      ['only attachments changed', [file({ id: 'a', photo: jpeg(1) }), file({ id: 'a', photo: jpeg(2) })]],
      ['uids crossing between files', [file({ id: 'a' }, { id: 'b' }), file({ id: 'b', count: 2 }, { id: 'c' }), file({ id: 'c', count: 2 }, { id: 'a' }, { id: 'd' })]],
      ['GUID spellings', [file({ id: `{${guid.toUpperCase()}}` }), file({ id: guid })]],
      ['an unreadable file and a bad record between good ones', [file({ id: 'a' }), notGeoJson, withBadRecord, file({ id: 'a', count: 9 })]],
    ])('%s', async (_, files) => {
      const oneByOne = await project();
      await mergeEach(...(await Promise.all(files.map((body) => received(oneByOne, body)))));
      const together = await project();
      const ids = await Promise.all(files.map((body) => received(together, body)));
      const batches = await database.read((manager) =>
        manager.findBy(
          Batch,
          ids.map((id) => ({ id })),
        ),
      );
      const inOrder = ids.map((id) => batches.find((batch) => batch.id === id)!);
      const entries = await Promise.all(inOrder.map(async (batch, index) => ({ batch, file: await decodedInMemory(files[index], batch.fileName) })));
      await database.transaction((tx) => merge.mergeReceivedInTx(tx, entries));
      expect(await outcome(together)).toEqual(await outcome(oneByOne));
    });

    it.each<[string, Buffer[], { revision: number; reviewState: string; data: Record<string, unknown>; deleted?: boolean; history: [number, string | null][] }]>([
      ['the device resends what it sent', [file({ id: 'a' })], { revision: 2, reviewState: 'edited', data: { Species: 'Leopard', Count: 1 }, history: [[1, null]] }],
      [
        'the device resends it twice, and the corrected content once',
        [file({ id: 'a' }), file({ id: 'a' }, { id: 'b' })],
        { revision: 2, reviewState: 'edited', data: { Species: 'Leopard', Count: 1 }, history: [[1, null]] },
      ],
      [
        'the device sends new content',
        [file({ id: 'a', count: 2 })],
        {
          revision: 3,
          reviewState: 'edited',
          data: { Species: 'Lion', Count: 2 },
          history: [
            [2, 'Ada'],
            [1, null],
          ],
        },
      ],
      [
        'a resend, then new content, then a resend of the first',
        [file({ id: 'a' }), file({ id: 'a', count: 2 }), file({ id: 'a' })],
        {
          revision: 4,
          reviewState: 'edited',
          data: { Species: 'Lion', Count: 1 },
          history: [
            [3, null],
            [2, 'Ada'],
            [1, null],
          ],
        },
      ],
      [
        'the device deletes it',
        [file({ id: 'a', deleted: true })],
        {
          revision: 3,
          reviewState: 'edited',
          data: { Species: 'Lion', Count: 1 },
          deleted: true,
          history: [
            [2, 'Ada'],
            [1, null],
          ],
        },
      ],
    ])('a correction, then %s: one by one and together alike', async (_, files, wanted) => {
      const results: unknown[] = [];
      for (const together of [false, true]) {
        const p = await projects.create(`c${++projectCount}`, 'corrections');
        await mergeEach(await received(p.id, file({ id: 'a' })));
        await new ReviewDesk(database).review(p, ['a'], 'approved', null, 'Ada');
        await new ReviewDesk(database).correct(p, 'a', { data: { Species: 'Leopard' }, reason: 'the photo shows a leopard' }, 'Ada');
        const ids: string[] = [];
        for (const body of files) ids.push(await received(p.id, body));
        if (!together) await mergeEach(...ids);
        else {
          const batches = await database.read((manager) =>
            manager.findBy(
              Batch,
              ids.map((id) => ({ id })),
            ),
          );
          const entries = await Promise.all(ids.map(async (id, index) => ({ batch: batches.find((batch) => batch.id === id)!, file: await decodedInMemory(files[index]!, 'f.geojson') })));
          await database.transaction((tx) => merge.mergeReceivedInTx(tx, entries));
        }
        const [row] = (await sightings(p.id)).filter((sighting) => sighting.uid === 'a');
        expect(row).toMatchObject({ revision: wanted.revision, reviewState: wanted.reviewState, data: wanted.data, deleted: wanted.deleted ?? false });
        const history = await database.read((manager) => manager.query(`SELECT revision, changed_by FROM sighting_version WHERE project_id = '${p.id}' AND uid = 'a' ORDER BY seq DESC`));
        expect(history.map((version: { revision: number; changed_by: string | null }) => [Number(version.revision), version.changed_by])).toEqual(wanted.history);
        results.push(await outcome(p.id));
      }
      expect(results[1]).toEqual(results[0]);
    });

    /** All a project's merge left, without ids and times (which differ between two projects). */
    async function outcome(projectId: string) {
      return database.read(async (manager) => ({
        sightings: await manager.query(
          `SELECT uid, revision, seq, data, deleted, attachments, content_hash, review_state, changed_by, device_hash FROM sighting WHERE project_id = '${projectId}' ORDER BY seq`,
        ),
        versions: await manager.query(`SELECT uid, revision, seq, data, review_state, changed_by, change_reason FROM sighting_version WHERE project_id = '${projectId}' ORDER BY seq`),
        batches: await manager.query(
          `SELECT status, format, records_count, new_count, updated_count, duplicate_count, rejected_count, error, consolidated_at IS NOT NULL AS finished FROM batch WHERE project_id = '${projectId}' ORDER BY received_at, rowid`,
        ),
        rejections: await manager.query(
          `SELECT r.record_index, r.reason FROM rejection r JOIN batch b ON b.id = r.batch_id WHERE b.project_id = '${projectId}' ORDER BY b.received_at, r.record_index`,
        ),
        lastSeq: (await manager.query(`SELECT last_seq FROM project_feed WHERE project_id = '${projectId}'`))[0].last_seq,
      }));
    }
  });
});
