import { randomUUID } from 'node:crypto';
import { Tx } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Attachment, BatchStatus, Rejection, Sighting } from '../db/entities/index.js';
import { BatchCounts, BatchRepository, ClaimedBatch } from '../db/repositories/batch.repository.js';
import { RejectionRepository } from '../db/repositories/rejection.repository.js';
import { SightingRepository, StoredVersion } from '../db/repositories/sighting.repository.js';
import { DecodedItem, DecodedRecord, FormatDecoder, SightingRecord, UnreadableFileError } from '../formats/format.js';
import { formatsRead } from '../formats/registry.js';
import { BlobStore } from '../ingest/blob-store.js';
import { sightingsMerged } from '../observability/metrics.js';
import { DecodedFile, readAhead } from './decoded-file.js';
import { invalidReason, storableText } from './record-validation.js';
import { contentHash, dataHash, sightingUid } from './sighting-identity.js';

/** What writing a batch came to: as the batch row now says, and where the feed stands. */
export interface BatchOutcome {
  status: BatchStatus;
  format: string | null;
  counts: BatchCounts;
  error: string | null;
  /** When the batch row was finished. */
  finishedAt: string;
  lastSeq: number;
}

const emptyCounts = (): BatchCounts => ({ records: 0, new: 0, updated: 0, duplicate: 0, rejected: 0 });

/**
 * Writes one decoded batch into the project's sightings, inside the caller's transaction (which
 * holds the project's feed row): the merge rules live here. New uid: revision 1. Same content,
 * or a version from a batch that arrived later: a duplicate. Other content: the next revision,
 * or the same revision when only attachments were added. Every change takes the next seq.
 */
export class BatchWriter {
  constructor(
    private readonly batches: BatchRepository,
    private readonly sightings: SightingRepository,
    private readonly rejections: RejectionRepository,
    private readonly blobs: BlobStore,
  ) {}

  async writeInTx(tx: Tx, batch: ClaimedBatch, lastSeq: number, file: DecodedFile): Promise<BatchOutcome> {
    const { decoder } = file;
    if (!decoder) {
      const reason = file.emptyFile ? 'the file is empty' : `unrecognised file format: FieldSync reads ${formatsRead()}`;
      return this.finishInTx(tx, batch, 'rejected', null, emptyCounts(), reason, lastSeq);
    }
    const counts = emptyCounts();
    const feed = { lastSeq };
    let fileError: string | null = null;
    try {
      for await (const step of readAhead(file.steps)) await this.writeStepInTx(tx, batch, step, counts, feed);
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      fileError = error.message;
    }
    const status: BatchStatus = fileError && counts.records === 0 ? 'rejected' : 'consolidated';
    return this.finishInTx(tx, batch, status, decoder, counts, fileError, feed.lastSeq);
  }

  private async writeStepInTx(tx: Tx, batch: ClaimedBatch, items: DecodedItem[], counts: BatchCounts, feed: { lastSeq: number }): Promise<void> {
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
      if (item.record.attachmentFiles?.length) await this.storeAttachmentsInTx(tx, batch.projectId, item.record);
      const hash = contentHash(item.record);
      candidates.push({ uid: sightingUid(item.record, hash), hash, dataHash: dataHash(item.record, hash), item: item as DecodedRecord });
    }

    const stored: Map<string, StoredVersion> = await this.sightings.storedVersionsInTx(tx, batch.projectId, [...new Set(candidates.map((candidate) => candidate.uid))]);
    const inserts = new Map<string, Sighting>();
    // A uid changed twice in one step keeps the seq it took first: the feed has no hole.
    const seqThisStep = new Map<string, number>();
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
        id: current?.id ?? randomUUID(),
        projectId: batch.projectId,
        uid,
        deviceId: record.deviceId,
        kind: record.kind,
        observedAt: record.observedAt,
        latitude: record.latitude,
        longitude: record.longitude,
        altitude: record.altitude,
        accuracy: record.accuracy,
        data: record.data,
        attachments: record.attachments,
        deleted: record.deleted,
        contentHash: hash,
        dataHash,
        revision,
        seq: seqThisStep.get(uid) ?? ++feed.lastSeq,
        batchId: batch.id,
        receivedAt: batch.receivedAt,
        updatedAt: now,
      };
      const changedBeforeInStep = seqThisStep.has(uid);
      seqThisStep.set(uid, row.seq);
      if (inserts.has(uid) || !current) {
        // New within this step (or changed again within it): insert once, with its latest content.
        if (!inserts.has(uid)) counts.new++;
        else counts.updated++;
        inserts.set(uid, row);
      } else {
        counts.updated++;
        // A version this same step wrote was never visible: it is replaced, not kept.
        await this.sightings.replaceVersionInTx(tx, row, { keepReplaced: !changedBeforeInStep });
        stored.set(uid, { id: row.id, contentHash: hash, dataHash, revision: row.revision, receivedAt: batch.receivedAt });
      }
    }
    await this.sightings.insertInTx(tx, [...inserts.values()]);
    await this.rejections.insertInTx(tx, rejections);
    counts.rejected += rejections.length;
  }

  /** Puts a record's photos and sounds in the blob store (once per content) and lists them on the record. */
  private async storeAttachmentsInTx(tx: Tx, projectId: string, record: SightingRecord): Promise<void> {
    for (const file of record.attachmentFiles ?? []) {
      const { blobId, sha256 } = await this.blobs.putWhole(tx, file.bytes);
      if (!(await tx.findOneBy(Attachment, { projectId, sha256 }))) {
        await tx.insert(Attachment, { projectId, sha256, blobId, contentType: file.contentType, name: file.name.slice(0, 255) });
      }
      record.attachments.push({ name: file.name, contentType: file.contentType, size: file.bytes.length, sha256 });
    }
    delete record.attachmentFiles;
  }

  private async finishInTx(tx: Tx, batch: ClaimedBatch, status: BatchStatus, decoder: FormatDecoder | null, counts: BatchCounts, error: string | null, lastSeq: number): Promise<BatchOutcome> {
    for (const outcome of ['new', 'updated', 'duplicate', 'rejected'] as const) sightingsMerged.inc({ outcome }, counts[outcome]);
    const format = decoder?.name ?? null;
    const reason = error === null ? null : storableText(error);
    const finishedAt = await this.batches.finishInTx(tx, batch.id, status, format, counts, reason);
    return { status, format, counts, error: reason, finishedAt, lastSeq };
  }
}
