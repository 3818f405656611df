import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Attachment, Batch, BatchStatus, ProjectFeed, Rejection, Sighting } from '../db/entities/index.js';
import { DecodedItem, DecodedRecord, FormatDecoder, SightingRecord, UnreadableFileError } from '../formats/format.js';
import { detectFormat } from '../formats/registry.js';
import { BlobStore } from '../ingest/blob-store.js';
import { batchesMerged, mergeSeconds, sightingsMerged } from '../observability/metrics.js';
import { invalidReason, storableText } from './record-validation.js';
import { contentHash, sightingUid } from './sighting-identity.js';

const RECORDS_PER_STEP = 500;
const SIGHTING_COLUMNS = [
  'id', 'project_id', 'uid', 'device_id', 'kind', 'observed_at', 'latitude', 'longitude', 'altitude', 'accuracy',
  'data', 'attachments', 'deleted', 'content_hash', 'revision', 'seq', 'batch_id', 'received_at', 'updated_at',
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

  async consolidate(batchId: string): Promise<BatchStatus> {
    const claimed = await this.database.transaction(async (manager) => {
      const batch = await manager.findOneBy(Batch, { id: batchId });
      if (!batch || batch.status === 'consolidated' || batch.status === 'rejected') return null;
      await manager.update(Batch, { id: batchId }, { status: 'processing', attempts: batch.attempts + 1, updatedAt: nowIso() });
      return batch;
    });
    if (!claimed) return (await this.database.read((manager) => manager.findOneBy(Batch, { id: batchId })))?.status ?? 'failed';

    const timer = mergeSeconds.startTimer();
    const status = await this.database.transaction(async (manager) => {
      const lastSeq = await this.lockFeed(manager, claimed.projectId);
      // Another worker may have merged this batch while this one waited for the lock.
      const batch = await manager.findOneBy(Batch, { id: batchId });
      if (!batch || batch.status === 'consolidated' || batch.status === 'rejected') return batch?.status ?? 'failed';
      return this.mergeBatch(manager, batch, lastSeq);
    });
    timer();
    batchesMerged.inc({ status });
    this.logger.log({ message: 'batch merged', batchId, status });
    return status;
  }

  /** Marks a batch whose job ran out of attempts, so the admin sees why. */
  async markFailed(batchId: string, reason: string): Promise<void> {
    await this.database.transaction((manager) =>
      manager.update(Batch, { id: batchId, status: In(['received', 'processing']) }, { status: 'failed', error: storableText(reason), updatedAt: nowIso() }),
    );
  }

  private async lockFeed(manager: EntityManager, projectId: string): Promise<number> {
    const query = manager.createQueryBuilder(ProjectFeed, 'feed').where('feed.projectId = :projectId', { projectId });
    // SQLite has no row locks; the write transaction (BEGIN IMMEDIATE) already holds the whole database.
    if (this.database.type === 'postgres') query.setLock('pessimistic_write');
    const feed = await query.getOne();
    if (!feed) throw new Error(`project ${projectId} has no feed row`);
    return feed.lastSeq;
  }

  private async mergeBatch(manager: EntityManager, batch: Batch, lastSeq: number): Promise<BatchStatus> {
    await manager.delete(Rejection, { batchId: batch.id });
    const head = (await this.blobs.read(manager, batch.blobId).next()).value ?? Buffer.alloc(0);
    const decoder = detectFormat(head, batch.fileName);
    if (!decoder) {
      const reason = head.length === 0 ? 'the file is empty' : 'unrecognised file format: expected CyberTracker CTX or GeoJSON (a FeatureCollection)';
      return this.finish(manager, batch, lastSeq, 'rejected', null, emptyCounts(), reason);
    }

    const counts = emptyCounts();
    const feed = { lastSeq };
    let step: DecodedItem[] = [];
    let fileError: string | null = null;
    try {
      for await (const item of decoder.decode(this.blobs.read(manager, batch.blobId))) {
        if (counts.records + step.length >= MAX_RECORDS_PER_BATCH) {
          throw new UnreadableFileError(`the file holds more than ${MAX_RECORDS_PER_BATCH} records; the rest was not read: split the export`);
        }
        step.push(item);
        if (step.length === RECORDS_PER_STEP) {
          await this.mergeStep(manager, batch, step, counts, feed);
          step = [];
        }
      }
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      fileError = error.message;
    }
    await this.mergeStep(manager, batch, step, counts, feed);
    const status: BatchStatus = fileError && counts.records === 0 ? 'rejected' : 'consolidated';
    return this.finish(manager, batch, feed.lastSeq, status, decoder, counts, fileError);
  }

  private async mergeStep(manager: EntityManager, batch: Batch, items: DecodedItem[], counts: MergeCounts, feed: { lastSeq: number }): Promise<void> {
    if (items.length === 0) return;
    const rejections: Rejection[] = [];
    const candidates: { uid: string; hash: string; item: DecodedRecord }[] = [];
    for (const item of items) {
      counts.records++;
      const reason = item.record ? invalidReason(item.record) : item.reason;
      if (reason !== null || !item.record) {
        rejections.push({ batchId: batch.id, recordIndex: item.index, reason: storableText(`record ${item.index}: ${reason}`) });
        continue;
      }
      if (item.record.attachmentFiles?.length) await this.storeAttachments(manager, batch.projectId, item.record);
      const hash = contentHash(item.record);
      candidates.push({ uid: sightingUid(item.record, hash), hash, item: item as DecodedRecord });
    }

    const stored = new Map<string, StoredVersion>();
    if (candidates.length > 0) {
      const rows = await manager.find(Sighting, {
        select: { id: true, uid: true, contentHash: true, revision: true, receivedAt: true },
        where: { projectId: batch.projectId, uid: In([...new Set(candidates.map((candidate) => candidate.uid))]) },
      });
      for (const row of rows) stored.set(row.uid, row);
    }

    const inserts = new Map<string, Sighting>();
    const now = nowIso();
    for (const { uid, hash, item } of candidates) {
      const current = inserts.get(uid) ?? stored.get(uid);
      // Same content, or a version from a batch that arrived after this one (batches can merge out of order).
      if (current && (current.contentHash === hash || current.receivedAt > batch.receivedAt)) {
        counts.duplicate++;
        continue;
      }
      const { record } = item;
      const row: Sighting = {
        id: current?.id ?? randomUUID(), projectId: batch.projectId, uid, deviceId: record.deviceId, kind: record.kind,
        observedAt: record.observedAt, latitude: record.latitude, longitude: record.longitude, altitude: record.altitude,
        accuracy: record.accuracy, data: record.data, attachments: record.attachments, deleted: record.deleted,
        contentHash: hash, revision: (current?.revision ?? 0) + 1, seq: ++feed.lastSeq, batchId: batch.id, receivedAt: batch.receivedAt, updatedAt: now,
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
        stored.set(uid, { id, contentHash: hash, revision: row.revision, receivedAt: batch.receivedAt });
      }
    }
    await this.database.insertRows(manager, 'sighting', SIGHTING_COLUMNS, [...inserts.values()].map((row) => [
      row.id, row.projectId, row.uid, row.deviceId, row.kind, row.observedAt, row.latitude, row.longitude, row.altitude, row.accuracy,
      JSON.stringify(row.data), JSON.stringify(row.attachments), row.deleted, row.contentHash, row.revision, row.seq, row.batchId, row.receivedAt, row.updatedAt,
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
    manager: EntityManager, batch: Batch, lastSeq: number, status: BatchStatus,
    decoder: FormatDecoder | null, counts: MergeCounts, error: string | null,
  ): Promise<BatchStatus> {
    await manager.update(ProjectFeed, { projectId: batch.projectId }, { lastSeq });
    for (const outcome of ['new', 'updated', 'duplicate', 'rejected'] as const) sightingsMerged.inc({ outcome }, counts[outcome]);
    const now = nowIso();
    await manager.update(Batch, { id: batch.id }, {
      status, format: decoder?.name ?? null, ...counts, error: error === null ? null : storableText(error), updatedAt: now, consolidatedAt: status === 'consolidated' ? now : null,
    });
    return status;
  }
}

function emptyCounts(): MergeCounts {
  return { records: 0, new: 0, updated: 0, duplicate: 0, rejected: 0 };
}
