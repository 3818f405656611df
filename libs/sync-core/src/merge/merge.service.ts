import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Attachment, Batch, BatchStatus, Rejection, Sighting } from '../db/entities/index.js';
import { DecodedItem, DecodedRecord, FormatDecoder, SightingRecord, UnreadableFileError } from '../formats/format.js';
import { detectFormat } from '../formats/registry.js';
import { BlobStore } from '../ingest/blob-store.js';
import { batchesMerged, mergeSeconds, sightingsMerged } from '../observability/metrics.js';
import { invalidReason, storableText } from './record-validation.js';
import { contentHash, dataHash, sightingUid } from './sighting-identity.js';

const RECORDS_PER_STEP = 500;
/** Files up to this size are decoded before the merge transaction (see consolidate). */
const SMALL_FILE_BYTES = 1024 * 1024;
/** At most this many small files of one project are merged in one transaction. */
const GROUP_SIZE = 32;
const SIGHTING_COLUMNS = [
  'id', 'project_id', 'uid', 'device_id', 'kind', 'observed_at', 'latitude', 'longitude', 'altitude', 'accuracy',
  'data', 'attachments', 'deleted', 'content_hash', 'data_hash', 'revision', 'seq', 'batch_id', 'received_at', 'updated_at',
];
/** No file may hold more records than this; a larger export is split by the sender. */
const MAX_RECORDS_PER_BATCH = 5_000_000;

interface MergeCounts {
  records: number;
  new: number;
  updated: number;
  duplicate: number;
  rejected: number;
}

interface StoredVersion {
  id: string;
  contentHash: string;
  dataHash: string | null;
  revision: number;
  receivedAt: string;
}

/**
 * Consolidates one batch: decodes its blob and merges the records into the project's sightings
 * in a single transaction that holds the project's feed row, so feed order is commit order.
 * Running it again for the same batch changes nothing.
 */
export class MergeService {
  private readonly logger = new Logger(MergeService.name);

  constructor(private readonly database: Database, private readonly blobs: BlobStore) {}

  /** Merges the batch (and, with it, other small waiting files of its project, listed in `alsoMerged`). */
  async consolidate(batchId: string): Promise<{ status: BatchStatus; alsoMerged: string[] }> {
    const [row] = await this.database.execute<ClaimedRow>(
      `UPDATE batch SET status = 'processing', attempts = attempts + 1, updated_at = ?
        WHERE id = ? AND status NOT IN ('consolidated', 'rejected') RETURNING project_id, blob_id, file_name, received_at`,
      [nowIso(), batchId],
    );
    const claimed = row && { id: batchId, projectId: row.project_id, blobId: row.blob_id, fileName: row.file_name, receivedAt: row.received_at };
    if (!claimed) return { status: (await this.database.read((manager) => manager.findOneBy(Batch, { id: batchId })))?.status ?? 'failed', alsoMerged: [] };

    const timer = mergeSeconds.startTimer();
    // A small file is read and decoded before the project's lock is taken, so that lock (which
    // orders every merge of the project) is held only for the writes. Other small files of the
    // project waiting their turn join the same transaction: one lock and one commit for all.
    const small = (await this.blobs.readSmall([claimed.blobId], SMALL_FILE_BYTES)).get(claimed.blobId);
    const own = { batch: claimed, file: small ? await decodedInMemory(small, claimed.fileName) : null };
    const group = [own, ...(small ? await this.companionsOf(claimed) : [])].sort((a, b) => a.batch.receivedAt.localeCompare(b.batch.receivedAt));
    const outcomes = await this.database.transaction(async (manager) => {
      const { lastSeq: seqBefore, current } = await this.lockFeed(manager, claimed.projectId, batchId);
      // Another worker may have merged some of them while this one waited for the lock.
      const states = new Map([[batchId, current]]);
      const others = group.filter((member) => member !== own).map((member) => member.batch.id);
      if (others.length > 0) {
        const rows = await this.database.query<{ id: string; status: BatchStatus; attempts: number | string }>(
          manager, `SELECT id, status, attempts FROM batch WHERE id IN (${others.map(() => '?').join(', ')})`, others,
        );
        for (const row of rows) states.set(row.id, { status: row.status, attempts: Number(row.attempts) });
      }
      let lastSeq = seqBefore;
      const merged = new Map<string, BatchStatus>();
      for (const { batch, file } of group) {
        const state = states.get(batch.id);
        if (!state || state.status === 'consolidated' || state.status === 'rejected') {
          merged.set(batch.id, state?.status ?? 'failed');
          continue;
        }
        // Rejections of an earlier attempt rolled back with it; this only guards a retried batch.
        if (state.attempts > 1) await this.database.query(manager, 'DELETE FROM rejection WHERE batch_id = ?', [batch.id]);
        const result = await this.mergeBatch(manager, batch, lastSeq, file ?? (await this.streamedFrom(manager, batch)));
        lastSeq = result.lastSeq;
        merged.set(batch.id, result.status);
      }
      await this.database.query(manager, 'UPDATE project_feed SET last_seq = ? WHERE project_id = ?', [lastSeq, claimed.projectId]);
      return merged;
    });
    timer();
    for (const [id, status] of outcomes) {
      batchesMerged.inc({ status });
      this.logger.log({ message: 'batch merged', batchId: id, status, ...(id === batchId ? {} : { with: batchId }) });
    }
    const alsoMerged = [...outcomes].filter(([id, status]) => id !== batchId && (status === 'consolidated' || status === 'rejected')).map(([id]) => id);
    return { status: outcomes.get(batchId)!, alsoMerged };
  }

  /**
   * Claims up to GROUP_SIZE - 1 other small files of the project still waiting, each decoded.
   * Once merged, their own jobs are dropped from the queue (ConsolidateBatchJob); if this merge
   * fails, those jobs merge them one by one, so one bad file never holds up the others.
   */
  private async companionsOf(batch: ClaimedBatch): Promise<{ batch: ClaimedBatch; file: DecodedFile | null }[]> {
    const rows = await this.database.execute<ClaimedRow & { id: string }>(
      `UPDATE batch SET status = 'processing', attempts = attempts + 1, updated_at = ?
        WHERE status = 'received' AND id IN (
          SELECT b.id FROM batch b JOIN blob f ON f.id = b.blob_id
          WHERE b.project_id = ? AND b.status = 'received' AND b.id <> ? AND f.size <= ? ORDER BY b.received_at LIMIT ?)
        RETURNING id, project_id, blob_id, file_name, received_at`,
      [nowIso(), batch.projectId, batch.id, SMALL_FILE_BYTES, GROUP_SIZE - 1],
    );
    const files = await this.blobs.readSmall(rows.map((row) => row.blob_id), SMALL_FILE_BYTES);
    return Promise.all(rows.map(async (row) => {
      const companion = { id: row.id, projectId: row.project_id, blobId: row.blob_id, fileName: row.file_name, receivedAt: row.received_at };
      const bytes = files.get(companion.blobId);
      return { batch: companion, file: bytes ? await decodedInMemory(bytes, companion.fileName) : null };
    }));
  }

  /** Marks a batch whose job ran out of attempts, so the admin sees why. */
  async markFailed(batchId: string, reason: string): Promise<void> {
    await this.database.transaction((manager) =>
      manager.update(Batch, { id: batchId, status: In(['received', 'processing']) }, { status: 'failed', error: storableText(reason), updatedAt: nowIso() }),
    );
  }

  /** Takes the project's feed row (the lock that orders its merges) and reads the batch's state under it. */
  private async lockFeed(manager: EntityManager, projectId: string, batchId: string): Promise<{ lastSeq: number; current: { status: BatchStatus; attempts: number } }> {
    // SQLite has no row locks; the write transaction (BEGIN IMMEDIATE) already holds the whole database.
    const lock = this.database.type === 'postgres' ? ' FOR UPDATE OF f' : '';
    const [row] = await this.database.query<{ last_seq: number | string; status: BatchStatus; attempts: number | string }>(
      manager, `SELECT f.last_seq, b.status, b.attempts FROM project_feed f JOIN batch b ON b.id = ? WHERE f.project_id = ?${lock}`, [batchId, projectId],
    );
    if (!row) throw new Error(`project ${projectId} has no feed row, or batch ${batchId} is gone`);
    return { lastSeq: Number(row.last_seq), current: { status: row.status, attempts: Number(row.attempts) } };
  }

  /** A larger file, decoded as its chunks are read inside the merge transaction: memory holds one step at a time. */
  private async streamedFrom(manager: EntityManager, batch: ClaimedBatch): Promise<DecodedFile> {
    const head = (await this.blobs.read(manager, batch.blobId).next()).value ?? Buffer.alloc(0);
    const decoder = detectFormat(head, batch.fileName);
    return { decoder, emptyFile: head.length === 0, steps: decoder ? inSteps(decoder.decode(this.blobs.read(manager, batch.blobId))) : emptySteps() };
  }

  private async mergeBatch(manager: EntityManager, batch: ClaimedBatch, lastSeq: number, file: DecodedFile): Promise<{ status: BatchStatus; lastSeq: number }> {
    const { decoder } = file;
    if (!decoder) {
      const reason = file.emptyFile ? 'the file is empty' : 'unrecognised file format: expected CyberTracker CTX or GeoJSON (a FeatureCollection)';
      return { status: await this.finish(manager, batch, 'rejected', null, emptyCounts(), reason), lastSeq };
    }
    const counts = emptyCounts();
    const feed = { lastSeq };
    let fileError: string | null = null;
    try {
      for await (const step of file.steps) await this.mergeStep(manager, batch, step, counts, feed);
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      fileError = error.message;
    }
    const status: BatchStatus = fileError && counts.records === 0 ? 'rejected' : 'consolidated';
    return { status: await this.finish(manager, batch, status, decoder, counts, fileError), lastSeq: feed.lastSeq };
  }

  private async mergeStep(manager: EntityManager, batch: ClaimedBatch, items: DecodedItem[], counts: MergeCounts, feed: { lastSeq: number }): Promise<void> {
    if (items.length === 0) return;
    const rejections: Rejection[] = [];
    const candidates: { uid: string; hash: string; dataHash: string; item: DecodedRecord }[] = [];
    for (const item of items) {
      counts.records++;
      const reason = item.record ? invalidReason(item.record) : item.reason;
      if (reason !== null || !item.record) {
        rejections.push({ batchId: batch.id, recordIndex: item.index, reason: storableText(`record ${item.index}: ${reason}`) });
        continue;
      }
      if (item.record.attachmentFiles?.length) await this.storeAttachments(manager, batch.projectId, item.record);
      const hash = contentHash(item.record);
      candidates.push({ uid: sightingUid(item.record, hash), hash, dataHash: dataHash(item.record), item: item as DecodedRecord });
    }

    const stored = new Map<string, StoredVersion>();
    if (candidates.length > 0) {
      const uids = [...new Set(candidates.map((candidate) => candidate.uid))];
      const rows = await this.database.query<{ id: string; uid: string; content_hash: string; data_hash: string | null; revision: number | string; received_at: string }>(
        manager,
        `SELECT id, uid, content_hash, data_hash, revision, received_at FROM sighting WHERE project_id = ? AND uid IN (${uids.map(() => '?').join(', ')})`,
        [batch.projectId, ...uids],
      );
      for (const row of rows) stored.set(row.uid, { id: row.id, contentHash: row.content_hash, dataHash: row.data_hash, revision: Number(row.revision), receivedAt: row.received_at });
    }

    const inserts = new Map<string, Sighting>();
    const now = nowIso();
    for (const { uid, hash, dataHash, item } of candidates) {
      const current = inserts.get(uid) ?? stored.get(uid);
      // Same content, or a version from a batch that arrived after this one (batches can merge out of order).
      if (current && (current.contentHash === hash || current.receivedAt > batch.receivedAt)) {
        counts.duplicate++;
        continue;
      }
      const { record } = item;
      // Attachments that arrive after their record (split submissions, files posted to an event)
      // complete the same revision: readers still see the change, under a new seq.
      const revision = !current ? 1 : current.dataHash === dataHash ? current.revision : current.revision + 1;
      const row: Sighting = {
        id: current?.id ?? randomUUID(), projectId: batch.projectId, uid, deviceId: record.deviceId, kind: record.kind,
        observedAt: record.observedAt, latitude: record.latitude, longitude: record.longitude, altitude: record.altitude,
        accuracy: record.accuracy, data: record.data, attachments: record.attachments, deleted: record.deleted,
        contentHash: hash, dataHash, revision, seq: ++feed.lastSeq, batchId: batch.id, receivedAt: batch.receivedAt, updatedAt: now,
      };
      if (inserts.has(uid) || !current) {
        // New within this step (or changed again within it): insert once, with its latest content.
        if (!inserts.has(uid)) counts.new++;
        else counts.updated++;
        inserts.set(uid, row);
      } else {
        counts.updated++;
        const { id, projectId: _project, uid: _uid, ...changes } = row;
        await manager.update(Sighting, { id }, changes as QueryDeepPartialEntity<Sighting>);
        stored.set(uid, { id, contentHash: hash, dataHash, revision: row.revision, receivedAt: batch.receivedAt });
      }
    }
    await this.database.insertRows(manager, 'sighting', SIGHTING_COLUMNS, [...inserts.values()].map((row) => [
      row.id, row.projectId, row.uid, row.deviceId, row.kind, row.observedAt, row.latitude, row.longitude, row.altitude, row.accuracy,
      JSON.stringify(row.data), JSON.stringify(row.attachments), row.deleted, row.contentHash, row.dataHash, row.revision, row.seq, row.batchId, row.receivedAt, row.updatedAt,
    ]));
    if (rejections.length > 0) await manager.insert(Rejection, rejections);
    counts.rejected += rejections.length;
  }

  /** Puts a record's photos and sounds in the blob store (once per content) and lists them on the record. */
  private async storeAttachments(manager: EntityManager, projectId: string, record: SightingRecord): Promise<void> {
    for (const file of record.attachmentFiles ?? []) {
      const { blobId, sha256 } = await this.blobs.putWhole(manager, file.bytes);
      if (!(await manager.findOneBy(Attachment, { projectId, sha256 }))) {
        await manager.insert(Attachment, { projectId, sha256, blobId, contentType: file.contentType, name: file.name.slice(0, 255) });
      }
      record.attachments.push({ name: file.name, contentType: file.contentType, size: file.bytes.length, sha256 });
    }
    delete record.attachmentFiles;
  }

  private async finish(
    manager: EntityManager, batch: ClaimedBatch, status: BatchStatus,
    decoder: FormatDecoder | null, counts: MergeCounts, error: string | null,
  ): Promise<BatchStatus> {
    for (const outcome of ['new', 'updated', 'duplicate', 'rejected'] as const) sightingsMerged.inc({ outcome }, counts[outcome]);
    const now = nowIso();
    await this.database.query(
      manager,
      `UPDATE batch SET status = ?, format = ?, records_count = ?, new_count = ?, updated_count = ?, duplicate_count = ?, rejected_count = ?,
        error = ?, updated_at = ?, consolidated_at = ? WHERE id = ?`,
      [status, decoder?.name ?? null, counts.records, counts.new, counts.updated, counts.duplicate, counts.rejected,
        error === null ? null : storableText(error), now, status === 'consolidated' ? now : null, batch.id],
    );
    return status;
  }
}

interface ClaimedRow {
  project_id: string;
  blob_id: string;
  file_name: string | null;
  received_at: string;
}

/** The fields of a claimed batch the merge uses. */
type ClaimedBatch = Pick<Batch, 'id' | 'projectId' | 'blobId' | 'fileName' | 'receivedAt'>;

/** A batch's file, decoded: its format (null when unrecognised) and its items in steps. */
interface DecodedFile {
  decoder: FormatDecoder | null;
  emptyFile: boolean;
  /** Throws UnreadableFileError where the file stops being readable, after the items before it. */
  steps: AsyncIterable<DecodedItem[]>;
}

/** Groups decoded items into steps of RECORDS_PER_STEP, refusing files with too many records. */
async function* inSteps(items: AsyncIterable<DecodedItem>): AsyncGenerator<DecodedItem[]> {
  let step: DecodedItem[] = [];
  let total = 0;
  for await (const item of items) {
    if (++total > MAX_RECORDS_PER_BATCH) {
      yield step;
      throw new UnreadableFileError(`the file holds more than ${MAX_RECORDS_PER_BATCH} records; the rest was not read: split the export`);
    }
    step.push(item);
    if (step.length === RECORDS_PER_STEP) {
      yield step;
      step = [];
    }
  }
  yield step;
}

async function* emptySteps(): AsyncGenerator<DecodedItem[]> {}

/** Decodes a small file completely, keeping where it became unreadable to replay it inside the merge. */
async function decodedInMemory(bytes: Buffer, fileName: string | null): Promise<DecodedFile> {
  const decoder = detectFormat(bytes, fileName);
  if (!decoder) return { decoder, emptyFile: bytes.length === 0, steps: emptySteps() };
  const steps: DecodedItem[][] = [];
  let unreadable: UnreadableFileError | null = null;
  try {
    for await (const step of inSteps(decoder.decode((async function* () { yield bytes; })()))) steps.push(step);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    unreadable = error;
  }
  return {
    decoder,
    emptyFile: bytes.length === 0,
    steps: (async function* () {
      yield* steps;
      if (unreadable) throw unreadable;
    })(),
  };
}

function emptyCounts(): MergeCounts {
  return { records: 0, new: 0, updated: 0, duplicate: 0, rejected: 0 };
}
