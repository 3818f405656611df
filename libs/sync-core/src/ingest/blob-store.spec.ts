import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../db/database.js';
import { BLOB_CHUNK_BYTES, BlobStore } from './blob-store.js';
import { BlobFiles } from './blob-files.js';
import { sha256 } from '../../../../test/support/digest.js';
import { TestPostgresDatabase } from '../../../../test/support/postgres-database.js';

async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const piece of pieces) all.push(piece);
  return Buffer.concat(all);
}

/** Bytes in uneven pieces, as a socket delivers them. */
function* inPieces(bytes: Buffer, size = 100_003): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe('BlobStore with BLOB_DIR (SQLite)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'fieldsync-blob-store-'));
  const files = new BlobFiles(join(folder, 'blobs'));
  let database: Database;
  let blobs: BlobStore;

  beforeAll(async () => {
    database = await Database.open({ type: 'sqlite', path: join(folder, 'fieldsync.sqlite') });
    blobs = await BlobStore.open(database, files.dir);
  });

  afterAll(async () => {
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const large = (seed: number) => Buffer.alloc(3 * BLOB_CHUNK_BYTES + 12_345, seed);
  const filesOnDisk = () => readdirSync(files.dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;

  async function store(bytes: Buffer): Promise<string> {
    const pending = await blobs.streamIn(inPieces(bytes), 10 * 1024 * 1024);
    const blobId = await database.transaction((tx) => pending.commit(tx));
    return blobId;
  }

  it('keeps a larger blob in a file and a small one in the database, and reads both back every way', async () => {
    const big = large(1);
    const small = Buffer.from('{"type":"FeatureCollection","features":[]}');
    const [bigId, smallId] = [await store(big), await store(small)];
    const rows = await database.queryAlone<{ id: string; storage: string; sha256: string; size: number }>('SELECT id, storage, sha256, size FROM blob');
    expect(rows.find((row) => row.id === bigId)).toMatchObject({ storage: 'file', sha256: sha256(big), size: big.length });
    expect(rows.find((row) => row.id === smallId)).toMatchObject({ storage: 'database' });
    expect(existsSync(files.pathOf(bigId))).toBe(true);

    expect((await collect(blobs.stream(bigId))).equals(big)).toBe(true);
    expect((await database.read((manager) => collect(blobs.read(manager, bigId)))).equals(big)).toBe(true);
    const whole = await blobs.readSmall([bigId, smallId], 10 * 1024 * 1024);
    expect(whole.get(bigId)!.equals(big)).toBe(true);
    expect(whole.get(smallId)!.equals(small)).toBe(true);
    expect((await blobs.readSmall([bigId], BLOB_CHUNK_BYTES)).has(bigId)).toBe(false);
  });

  it('stores identical bytes once: the second upload uses the first blob and leaves no file of its own', async () => {
    const bytes = large(2);
    const before = filesOnDisk();
    const first = await store(bytes);
    const second = await store(bytes);
    expect(second).toBe(first);
    expect(filesOnDisk()).toBe(before + 1);
  });

  it('keeps its own file of identical bytes until the transaction is committed: a rollback and a retry may still need it', async () => {
    const bytes = large(7);
    const first = await store(bytes);
    const before = filesOnDisk();
    const pending = await blobs.streamIn(inPieces(bytes), 10 * 1024 * 1024);
    await expect(
      database.transaction(async (tx) => {
        expect(await pending.commit(tx)).toBe(first);
        throw new Error('the group rolled back');
      }),
    ).rejects.toThrow(/rolled back/);
    // The first blob is gone by the retry (its project deleted meanwhile): the retry's own file is the one that stands.
    await database.queryAlone('DELETE FROM blob WHERE id = ?', [first]);
    const retried = await database.transaction((tx) => pending.commit(tx));
    expect(retried).not.toBe(first);
    expect(filesOnDisk()).toBe(before + 1);
    expect((await collect(blobs.stream(retried))).equals(bytes)).toBe(true);
  });

  it('leaves nothing for an upload discarded, or refused past its limit', async () => {
    const before = filesOnDisk();
    const pending = await blobs.streamIn(inPieces(large(3)), 10 * 1024 * 1024);
    await pending.discard();
    await expect(blobs.streamIn(inPieces(large(4)), 2 * BLOB_CHUNK_BYTES)).rejects.toThrow(/larger than/);
    expect(filesOnDisk()).toBe(before);
  });

  it('sweeps, once old, the files no blob names any more, and keeps the others; at most every ten minutes', async () => {
    const kept = await store(large(5));
    const deleted = await store(large(6));
    await database.queryAlone('DELETE FROM blob WHERE id = ?', [deleted]);
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const id of [kept, deleted]) utimesSync(files.pathOf(id), old, old);
    expect(await blobs.sweepAbandoned(3_600_000)).toBe(1);
    expect(existsSync(files.pathOf(kept))).toBe(true);
    expect(existsSync(files.pathOf(deleted))).toBe(false);

    // The folder is walked file by file: the next rounds of the reconciler leave it alone for a while.
    const later = await store(large(8));
    await database.queryAlone('DELETE FROM blob WHERE id = ?', [later]);
    utimesSync(files.pathOf(later), old, old);
    expect(await blobs.sweepAbandoned(3_600_000)).toBe(0);
    expect(existsSync(files.pathOf(later))).toBe(true);
  });

  it('refuses to start without BLOB_DIR once a blob is kept in a file, naming the variable', async () => {
    await expect(BlobStore.open(database, null)).rejects.toThrow(/^BLOB_DIR: is not set/);
  });
});

describe.each([
  ['in the database', 'sqlite', false],
  ['in BLOB_DIR', 'sqlite', true],
  ['in the database', 'postgres', false],
] as const)('BlobStore keeping bytes %s (%s), at every size around one chunk', (_where, kind, inFiles) => {
  const folder = mkdtempSync(join(tmpdir(), 'fieldsync-blob-sizes-'));
  let postgres: TestPostgresDatabase | null = null;
  let database: Database;
  let blobs: BlobStore;

  beforeAll(async () => {
    if (kind === 'postgres') postgres = await TestPostgresDatabase.create();
    database = await Database.open(postgres ? { type: 'postgres', url: postgres.url } : { type: 'sqlite', path: join(folder, 'fieldsync.sqlite') });
    blobs = await BlobStore.open(database, inFiles ? join(folder, 'blobs') : null);
  });

  afterAll(async () => {
    await database.close();
    await postgres?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The bytes in pieces of `size`, all handed out in one buffer that is refilled for the next piece (a producer may reuse it). */
  function* inOneReusedBuffer(bytes: Buffer, size: number): Generator<Buffer> {
    const reused = Buffer.alloc(size);
    for (let at = 0; at < bytes.length; at += size) yield reused.subarray(0, bytes.copy(reused, 0, at, at + size));
  }

  it.each([0, 1, 1_500, BLOB_CHUNK_BYTES - 1, BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES + 1, 2 * BLOB_CHUNK_BYTES + 7])(
    'stores %i bytes whole in memory up to one chunk, and reads them back',
    async (length) => {
      const bytes = Buffer.from(Array.from({ length }, (_, at) => (at * 7 + (at >> 8)) % 256));
      for (const pieceSize of [1_024, 100_003, 300_000]) {
        const pending = await blobs.streamIn(inOneReusedBuffer(bytes, pieceSize), 10 * 1024 * 1024);
        expect(pending.size).toBe(length);
        expect(pending.sha256).toBe(sha256(bytes));
        expect(pending.wholeBytes === null).toBe(length > BLOB_CHUNK_BYTES);
        if (pending.wholeBytes) expect(pending.wholeBytes.equals(bytes)).toBe(true);
        const blobId = await database.transaction((tx) => pending.commit(tx));
        expect((await collect(blobs.stream(blobId))).equals(bytes)).toBe(true);
        expect((await blobs.readSmall([blobId], 10 * 1024 * 1024)).get(blobId)!.equals(bytes)).toBe(true);
      }
    },
  );
});
