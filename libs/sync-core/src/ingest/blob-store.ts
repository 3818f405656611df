import { createHash, randomUUID } from 'node:crypto';
import { EntityManager, IsNull, LessThan } from 'typeorm';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Blob, BlobChunk, BlobStorage } from '../db/entities/index.js';
import { ConfigError } from '../config/config.js';
import { BlobFiles, BlobFileWriter } from './blob-files.js';
import { UploadTooLargeError } from '../errors.js';

export const BLOB_CHUNK_BYTES = 256 * 1024;
const FILE_SWEEP_EVERY_MS = 10 * 60_000;

/** Bytes streamed into the store and hashed, not yet visible: `commit` makes them a blob inside the caller's transaction. */
export interface PendingBlob {
  sha256: string;
  /** Only when asked for (OpenRosa names form media by md5). */
  md5: string | null;
  size: number;
  /** The bytes, when they fit in one chunk (nothing is written before `commit` then); else null. */
  wholeBytes: Buffer | null;
  /** Returns the id of the blob holding these bytes (an existing one when identical content is stored already). */
  commit(manager: EntityManager): Promise<string>;
  /** Drops what was written; for an upload that will not be committed. */
  discard(): Promise<void>;
}

/**
 * Keeps uploaded bytes in the database, in fixed-size chunks, so any gateway or consolidator
 * with a database connection can read any batch and a backup of the database is a backup of
 * everything received — or, when BLOB_DIR is set, files larger than one chunk in that folder
 * (`BlobFiles`), which every process must share. A blob is written while its sha256 is unknown
 * ("pending") and becomes visible once finalised; identical content is stored once.
 */
export class BlobStore {
  private filesSweptAt = 0;

  constructor(
    private readonly database: Database,
    /** Where larger blobs go when BLOB_DIR is set; null keeps every blob in the database. */
    readonly files: BlobFiles | null = null,
  ) {}

  /**
   * The store a process starts with. Stops start-up, naming BLOB_DIR, when the folder cannot be
   * written, or when it is not set but the database has blobs kept in files (they could not be read).
   */
  static async open(database: Database, blobDir: string | null): Promise<BlobStore> {
    if (blobDir !== null) {
      const files = new BlobFiles(blobDir);
      await files.check().catch((error: Error) => {
        throw new ConfigError('BLOB_DIR', `the folder ${blobDir} cannot be written (${error.message}): create it and make it writable by FieldSync`);
      });
      return new BlobStore(database, files);
    }
    const [inFiles] = await database.queryAlone(`SELECT id FROM blob WHERE storage = 'file' LIMIT 1`);
    if (inFiles) {
      throw new ConfigError('BLOB_DIR', 'is not set, but this database has uploaded files kept in a BLOB_DIR folder: set BLOB_DIR to that folder (the same on every FieldSync process)');
    }
    return new BlobStore(database);
  }

  /**
   * Streams `body` in, hashing and counting it, within `maxBytes` (UploadTooLargeError above it).
   * A body that fits in one chunk is kept in memory and writes nothing until `commit`, the common
   * small upload's single transaction. A larger one fills one chunk-sized buffer, stored over and
   * over (the drivers copy the bytes during the insert), so memory stays at one chunk whatever the
   * size of the file; it goes to BLOB_DIR when that is set, and is on the disk before this returns,
   * so the transaction that commits it never waits for a file's flush.
   */
  async streamIn(body: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>, maxBytes: number, options: { md5?: boolean } = {}): Promise<PendingBlob> {
    const hash = createHash('sha256');
    const md5 = options.md5 ? createHash('md5') : null;
    // Until the body outgrows one chunk: its pieces, copied. The chunk buffer is allocated only
    // then: 256 KB for every upload, most of them 1-2 KB, made V8 collect its whole heap several
    // times a second under many small uploads (external memory pressure: bench/README.md).
    const held: Buffer[] = [];
    let chunk: Buffer | null = null;
    let pendingId: string | null = null;
    let file: BlobFileWriter | null = null;
    let size = 0;
    let chunkIdx = 0;
    let filled = 0;
    const flush = async () => {
      const isFirst = pendingId === null;
      pendingId ??= randomUUID();
      if (isFirst && this.files) file = await this.files.create(pendingId);
      if (file) await file.write(chunk!.subarray(0, filled));
      else await this.appendChunk(pendingId, chunkIdx++, chunk!.subarray(0, filled), isFirst);
      filled = 0;
    };
    const append = async (buffer: Buffer) => {
      for (let offset = 0; offset < buffer.length;) {
        const copied = buffer.copy(chunk!, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === BLOB_CHUNK_BYTES) await flush();
      }
    };
    const discard = async () => {
      if (file) await file.discard().catch(() => undefined);
      else if (pendingId !== null) await this.discardPending(pendingId).catch(() => undefined);
    };
    try {
      for await (const piece of body) {
        const buffer = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        size += buffer.length;
        if (size > maxBytes) throw new UploadTooLargeError(maxBytes);
        hash.update(buffer);
        md5?.update(buffer);
        if (chunk !== null) {
          await append(buffer);
          continue;
        }
        // A copy: the body's producer may reuse its buffer.
        held.push(Buffer.from(buffer));
        if (size <= BLOB_CHUNK_BYTES) continue;
        chunk = Buffer.allocUnsafeSlow(BLOB_CHUNK_BYTES);
        for (const part of held.splice(0)) await append(part);
      }
      if (file !== null) {
        if (filled > 0) await flush();
        await (file as BlobFileWriter).finish();
      }
    } catch (error) {
      await discard();
      throw error;
    }
    const sha256 = hash.digest('hex');
    const tail = chunk === null ? (held.length === 1 ? held[0] : Buffer.concat(held, size)) : Buffer.from(chunk.subarray(0, filled));
    const inFile = file !== null;
    return {
      sha256,
      md5: md5?.digest('hex') ?? null,
      size,
      wholeBytes: pendingId === null ? tail : null,
      commit: async (manager) => {
        if (pendingId === null) return (await this.putWhole(manager, tail, sha256)).blobId;
        if (inFile) {
          const blobId = await this.finalizeFile(manager, pendingId, sha256, size);
          // Identical bytes were stored already: this copy goes once the transaction has committed
          // (until then a rollback and a retry could still need it), whichever door committed it.
          if (blobId !== pendingId) this.database.afterCommit(manager, () => this.files!.remove(pendingId!));
          return blobId;
        }
        if (tail.length > 0) await this.insertChunk(manager, pendingId, chunkIdx, tail);
        return this.finalize(manager, pendingId, sha256, size);
      },
      discard: async () => {
        if (inFile && pendingId !== null) await this.files!.remove(pendingId).catch(() => undefined);
        else await discard();
      },
    };
  }

  /**
   * Stores one chunk-sized piece of a pending blob. Nothing is acknowledged on a pending blob, so
   * its chunks commit without waiting for the disk: the upload's own commit, which is waited for,
   * flushes them with it (one flush per upload instead of one per 256 KB: 17 → see bench/README.md).
   */
  async appendChunk(blobId: string, idx: number, bytes: Buffer, isFirst: boolean): Promise<void> {
    await this.database.transaction(
      async (manager) => {
        if (isFirst) await manager.insert(Blob, { id: blobId, sha256: null, size: 0, createdAt: nowIso() });
        await this.insertChunk(manager, blobId, idx, bytes);
      },
      { asynchronousCommit: true },
    );
  }

  async insertChunk(manager: EntityManager, blobId: string, idx: number, bytes: Buffer): Promise<void> {
    await manager.insert<BlobChunk>('BlobChunk', { blobId, idx, bytes });
  }

  /**
   * Gives a pending blob its hash inside the caller's transaction and returns the id to use:
   * an existing blob with the same content when there is one (the pending copy is dropped).
   */
  async finalize(manager: EntityManager, pendingId: string, sha256: string, size: number): Promise<string> {
    const existing = await manager.findOneBy(Blob, { sha256 });
    if (existing) {
      await this.deleteBlob(manager, pendingId);
      return existing.id;
    }
    await manager.update(Blob, { id: pendingId }, { sha256, size });
    return pendingId;
  }

  /** Makes a file written to BLOB_DIR a blob inside the caller's transaction, or names the blob already holding the same bytes. */
  private async finalizeFile(manager: EntityManager, blobId: string, sha256: string, size: number): Promise<string> {
    const inserted = await this.database.queryInTx<{ id: string }>(
      manager,
      `INSERT INTO blob (id, sha256, size, created_at, storage) VALUES (?, ?, ?, ?, 'file') ON CONFLICT (sha256) DO NOTHING RETURNING id`,
      [blobId, sha256, size, nowIso()],
    );
    if (inserted.length > 0) return blobId;
    const [existing] = await this.database.queryInTx<{ id: string }>(manager, 'SELECT id FROM blob WHERE sha256 = ?', [sha256]);
    return existing.id;
  }

  /** Stores a small blob whole, inside the caller's transaction; returns the id to use. `sha256` when the caller hashed the bytes already. */
  async putWhole(manager: EntityManager, bytes: Buffer, sha256 = createHash('sha256').update(bytes).digest('hex')): Promise<{ blobId: string; sha256: string }> {
    const ids = await this.putWholeMany(manager, [{ bytes, sha256 }]);
    return { blobId: ids.get(sha256)!, sha256 };
  }

  /**
   * Stores small blobs whole, in one statement of each kind for all of them (a group commit's
   * uploads: round trips were their cost); returns the id to use for each sha256.
   */
  async putWholeMany(manager: EntityManager, blobs: { bytes: Buffer; sha256: string }[]): Promise<Map<string, string>> {
    // In hash order, so two transactions storing the same contents never wait on each other in a cycle.
    const distinct = [...new Map(blobs.map((blob) => [blob.sha256, blob])).values()].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
    const ids = new Map<string, string>();
    if (distinct.length === 0) return ids;
    // The same bytes may be stored already, or arriving on another connection right now (a device
    // resending): the unique sha256 decides which row stands, and each upload uses that one.
    const now = nowIso();
    const proposed = distinct.map((blob) => ({ ...blob, id: randomUUID() }));
    const inserted = await this.database.queryInTx<{ id: string; sha256: string }>(
      manager,
      `INSERT INTO blob (id, sha256, size, created_at) VALUES ${proposed.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT (sha256) DO NOTHING RETURNING id, sha256`,
      proposed.flatMap((blob) => [blob.id, blob.sha256, blob.bytes.length, now]),
    );
    for (const row of inserted) ids.set(row.sha256, row.id);
    await this.database.insertRowsInTx(
      manager,
      'blob_chunk',
      ['blob_id', 'idx', 'bytes'],
      proposed.filter((blob) => ids.get(blob.sha256) === blob.id).map((blob) => [blob.id, 0, blob.bytes]),
    );
    const known = proposed.filter((blob) => !ids.has(blob.sha256)).map((blob) => blob.sha256);
    if (known.length > 0) {
      const stored = await this.database.queryInTx<{ id: string; sha256: string }>(manager, `SELECT id, sha256 FROM blob WHERE sha256 IN (${known.map(() => '?').join(', ')})`, known);
      for (const row of stored) ids.set(row.sha256, row.id);
    }
    return ids;
  }

  /** Commits pending blobs inside the caller's transaction, the small ones together; the id to use for each, in order. */
  async commitAll(manager: EntityManager, pendings: PendingBlob[]): Promise<string[]> {
    const whole = await this.putWholeMany(
      manager,
      pendings.flatMap((pending) => (pending.wholeBytes !== null ? [{ bytes: pending.wholeBytes, sha256: pending.sha256 }] : [])),
    );
    const ids: string[] = [];
    for (const pending of pendings) ids.push(pending.wholeBytes !== null ? whole.get(pending.sha256)! : await pending.commit(manager));
    return ids;
  }

  /** Reads a blob chunk by chunk through `manager`, so memory holds one chunk at a time. */
  async *read(manager: EntityManager, blobId: string): AsyncGenerator<Buffer> {
    if (await this.isInFile(manager, blobId)) yield* this.filesFor(blobId).read(blobId, BLOB_CHUNK_BYTES);
    else yield* this.readChunks(manager, blobId, 0);
  }

  private async *readChunks(manager: EntityManager, blobId: string, fromIdx: number): AsyncGenerator<Buffer> {
    for (let idx = fromIdx; ; idx++) {
      const bytes = await this.chunk(manager, blobId, idx);
      if (!bytes) return;
      yield bytes;
    }
  }

  /** One chunk's bytes, or null past the last. */
  private async chunk(manager: EntityManager, blobId: string, idx: number): Promise<Buffer | null> {
    const [row] = await this.database.queryInTx<{ bytes: Buffer | string }>(manager, `SELECT ${this.chunkBytesColumn('bytes')} AS bytes FROM blob_chunk WHERE blob_id = ? AND idx = ?`, [blobId, idx]);
    return row ? bytesOfChunk(row.bytes) : null;
  }

  /**
   * A chunk's bytes as a query should select them (read back with bytesOfChunk). PostgreSQL sends
   * bytea as hex text, twice its size; base64 is a third smaller and decodes faster (110 chunks of
   * 256 KB: 440-570 ms as hex, 320-330 ms as base64).
   */
  private chunkBytesColumn(column: string): string {
    return this.database.type === 'postgres' ? `encode(${column}, 'base64')` : column;
  }

  /**
   * The whole bytes of each blob at most `maxBytes` long (a committed blob never changes); larger
   * ones are left out. Most device files fit in their first chunk: sizes and first chunks come
   * in one round trip for all of them.
   */
  async readSmall(blobIds: string[], maxBytes: number): Promise<Map<string, Buffer>> {
    const found = new Map<string, Buffer>();
    if (blobIds.length === 0) return found;
    return this.database.read(async (manager) => {
      const firsts = await this.database.queryInTx<{ id: string; size: number | string; storage: BlobStorage; bytes: Buffer | string | null }>(
        manager,
        `SELECT b.id, b.size, b.storage, ${this.chunkBytesColumn('c.bytes')} AS bytes FROM blob b LEFT JOIN blob_chunk c ON c.blob_id = b.id AND c.idx = 0 WHERE b.id IN (${blobIds.map(() => '?').join(', ')})`,
        blobIds,
      );
      for (const first of firsts) {
        if (Number(first.size) > maxBytes) continue;
        if (first.storage === 'file') {
          found.set(first.id, await this.filesFor(first.id).readWhole(first.id));
          continue;
        }
        const head = first.bytes === null ? Buffer.alloc(0) : bytesOfChunk(first.bytes);
        if (head.length >= Number(first.size)) {
          found.set(first.id, head);
          continue;
        }
        const chunks: Buffer[] = [head];
        for await (const chunk of this.readChunks(manager, first.id, 1)) chunks.push(chunk);
        found.set(first.id, Buffer.concat(chunks));
      }
      return found;
    });
  }

  /** Reads a finished blob chunk by chunk, each read on its own, for serving it over a slow connection. */
  async *stream(blobId: string): AsyncGenerator<Buffer> {
    if (await this.database.read((manager) => this.isInFile(manager, blobId))) {
      yield* this.filesFor(blobId).read(blobId, BLOB_CHUNK_BYTES);
      return;
    }
    for (let idx = 0; ; idx++) {
      const bytes = await this.database.read((manager) => this.chunk(manager, blobId, idx));
      if (!bytes) return;
      yield bytes;
    }
  }

  private async isInFile(manager: EntityManager, blobId: string): Promise<boolean> {
    const [row] = await this.database.queryInTx<{ storage: BlobStorage }>(manager, 'SELECT storage FROM blob WHERE id = ?', [blobId]);
    return row?.storage === 'file';
  }

  /** The folder of a blob kept in a file; an error naming BLOB_DIR in a process that has none. */
  private filesFor(blobId: string): BlobFiles {
    if (this.files) return this.files;
    throw new Error(`blob ${blobId} is kept in a file in BLOB_DIR, which is not set in this process: give every FieldSync process the same BLOB_DIR`);
  }

  async deleteBlob(manager: EntityManager, blobId: string): Promise<void> {
    await manager.delete<BlobChunk>('BlobChunk', { blobId });
    await manager.delete(Blob, { id: blobId });
  }

  async discardPending(blobId: string): Promise<void> {
    await this.database.transaction((manager) => this.deleteBlob(manager, blobId));
  }

  /** Removes pending blobs left by uploads that died before their batch was committed, and files in BLOB_DIR no blob names. */
  async sweepAbandoned(olderThanMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanMs).toISOString();
    const abandoned = await this.database.read((manager) => manager.findBy(Blob, { sha256: IsNull(), createdAt: LessThan(cutoff) }));
    for (const blob of abandoned) await this.discardPending(blob.id);
    return abandoned.length + (await this.sweepFiles(olderThanMs));
  }

  /** BLOB_DIR is walked file by file, so at most once per FILE_SWEEP_EVERY_MS, not every round of the reconciler. */
  private async sweepFiles(olderThanMs: number): Promise<number> {
    if (!this.files || Date.now() - this.filesSweptAt < FILE_SWEEP_EVERY_MS) return 0;
    this.filesSweptAt = Date.now();
    return this.files.sweep(olderThanMs, (ids) => this.storedIds(ids));
  }

  private async storedIds(ids: string[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let at = 0; at < ids.length; at += 500) {
      const part = ids.slice(at, at + 500);
      const rows = await this.database.queryAlone<{ id: string }>(`SELECT id FROM blob WHERE id IN (${part.map(() => '?').join(', ')})`, part);
      for (const row of rows) stored.add(row.id);
    }
    return stored;
  }
}

/** A chunk selected with chunkBytesColumn: base64 text from PostgreSQL, the bytes themselves from SQLite. */
function bytesOfChunk(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}
