import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Logger } from '@nestjs/common';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Batch, Door } from '../db/entities/index.js';
import { batchesMerged, batchesReceived, bytesReceived } from '../observability/metrics.js';
import { ConsolidateQueue } from '../queue/consolidate-queue.js';
import { decodedInMemory } from '../merge/decoded-file.js';
import { MergeService } from '../merge/merge.service.js';
import { BatchRepository } from '../db/repositories/batch.repository.js';
import { BlobStore, PendingBlob } from './blob-store.js';
import { GroupCommit } from './group-commit.js';

export interface IncomingFile {
  projectId: string;
  deviceId: string | null;
  door: Door;
  fileName: string | null;
  body: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>;
  /**
   * When the end of the body is not yet proof that the file is whole (FTP: a data connection
   * closes the same way when the client is killed), the door's word on it: nothing is committed
   * before it resolves, and the upload is dropped if it rejects. Meanwhile the bytes are flushed.
   */
  whole?: Promise<void>;
}

/**
 * The one door every upload goes through: bytes into the blob store (hashed, counted, limited),
 * then one transaction that commits the blob and the batch row, shared with the other uploads
 * arriving at the same moment (GroupCommit). A small file is merged in that same transaction and
 * is in the feed when the upload is acknowledged; a larger one gets a consolidate job. A caller
 * acknowledges its client only after `accept` resolves; if it throws, nothing of the upload is
 * left behind.
 */
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly commits: GroupCommit<Upload, Batch>;
  private readonly batches: BatchRepository;

  constructor(
    private readonly database: Database,
    private readonly blobs: BlobStore,
    private readonly queue: ConsolidateQueue,
    private readonly merge: MergeService,
    private readonly limits: { maxUploadBytes: number; inlineMergeMaxBytes: number },
  ) {
    this.batches = new BatchRepository(database);
    this.commits = new GroupCommit<Upload, Batch>(database, { write: (tx, uploads) => this.writeInTx(tx, uploads), lockAndWrite: (tx, uploads, batches) => this.mergeInTx(tx, uploads, batches) });
  }

  /**
   * `alsoCommit` runs inside the batch's transaction, for rows that must be committed with the
   * batch or not at all (e.g. what an OpenRosa submission's instance id now stands for).
   */
  async accept(file: IncomingFile, alsoCommit?: (manager: EntityManager, batch: Batch) => Promise<void>): Promise<Batch> {
    const ended = this.database.foreground.begin();
    try {
      return await this.acceptNow(file, alsoCommit);
    } finally {
      ended();
    }
  }

  private async acceptNow(file: IncomingFile, alsoCommit?: (manager: EntityManager, batch: Batch) => Promise<void>): Promise<Batch> {
    const pending = await this.blobs.streamIn(file.body, this.limits.maxUploadBytes);
    const mergeNow = pending.wholeBytes !== null && pending.size <= this.limits.inlineMergeMaxBytes ? pending.wholeBytes : null;
    let batch: Batch;
    try {
      await file.whole;
      batch = await this.commits.run(file.projectId, { file, pending, mergeNow, alsoCommit });
    } catch (error) {
      await pending.discard();
      throw error;
    }
    // Committed: from here on nothing of the upload may be dropped.
    batchesReceived.inc({ door: file.door });
    bytesReceived.inc({ door: file.door }, pending.size);
    // One line for an upload merged in its own transaction: it was received and merged at once
    // (each line is a write to stdout, which waits when stdout is a pipe: two per upload were 5% of a
    // gateway's time under many small uploads).
    const merged = batch.status !== 'received';
    this.logger.log({
      message: merged ? 'batch received and merged' : 'batch received',
      batchId: batch.id,
      door: file.door,
      bytes: pending.size,
      sha256: pending.sha256,
      ...(merged ? { status: batch.status } : {}),
    });
    if (merged) batchesMerged.inc({ status: batch.status });
    else await this.queue.enqueue(batch.id);
    return batch;
  }

  /** The blobs and batch rows of a group's uploads. */
  private async writeInTx(tx: EntityManager, uploads: Upload[]): Promise<Batch[]> {
    const blobIds = await this.blobs.commitAll(
      tx,
      uploads.map((upload) => upload.pending),
    );
    const now = nowIso();
    const batches = uploads.map(({ file }, index): Batch => ({
      id: randomUUID(),
      projectId: file.projectId,
      deviceId: file.deviceId,
      door: file.door,
      fileName: file.fileName?.slice(0, 255) ?? null,
      blobId: blobIds[index],
      format: null,
      status: 'received',
      records: 0,
      new: 0,
      updated: 0,
      duplicate: 0,
      rejected: 0,
      error: null,
      attempts: 0,
      mergedRecords: 0,
      receivedAt: now,
      updatedAt: now,
      consolidatedAt: null,
    }));
    await this.batches.insertManyInTx(tx, batches);
    for (const [index, upload] of uploads.entries()) if (upload.alsoCommit) await upload.alsoCommit(tx, batches[index]);
    return batches;
  }

  /** Merges the small files of a group; larger ones stay received, for the queue. */
  private async mergeInTx(tx: EntityManager, uploads: Upload[], batches: Batch[]): Promise<Batch[]> {
    // Decoded here, not before: a group that rolls back runs each upload again from its bytes.
    const small = await Promise.all(uploads.flatMap(({ mergeNow }, index) => (mergeNow ? [decodedInMemory(mergeNow, batches[index].fileName).then((file) => ({ batch: batches[index], file }))] : [])));
    const outcomes = new Map((await this.merge.mergeReceivedInTx(tx, small)).map((outcome, index) => [small[index].batch.id, outcome]));
    return batches.map((batch) => {
      const outcome = outcomes.get(batch.id);
      if (!outcome) return batch;
      const { status, format, counts, error, finishedAt } = outcome;
      return { ...batch, status, format, ...counts, error, updatedAt: finishedAt, consolidatedAt: status === 'consolidated' ? finishedAt : null };
    });
  }
}

/** An upload waiting for its group's transaction. */
interface Upload {
  file: IncomingFile;
  pending: PendingBlob;
  /** The bytes, when the file is small enough to merge in that transaction. */
  mergeNow: Buffer | null;
  alsoCommit?: (manager: EntityManager, batch: Batch) => Promise<void>;
}
