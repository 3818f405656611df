import { Logger } from '@nestjs/common';
import { Database, Tx } from '../db/database.js';
import { BatchStatus } from '../db/entities/index.js';
import { BatchRepository, ClaimedBatch } from '../db/repositories/batch.repository.js';
import { ProjectFeedRepository } from '../db/repositories/project-feed.repository.js';
import { RejectionRepository } from '../db/repositories/rejection.repository.js';
import { SightingRepository } from '../db/repositories/sighting.repository.js';
import { BlobStore } from '../ingest/blob-store.js';
import { batchesMerged, mergeSeconds } from '../observability/metrics.js';
import { BatchOutcome, BatchWriter } from './batch-writer.js';
import { DecodedFile, decodedWhileRead } from './decoded-file.js';
import { MergeGroupPicker } from './merge-group.js';
import { storableText } from './record-validation.js';

/**
 * A large merge on the embedded database, in slices: a slice ends after its current step (100
 * records) as soon as a client waits on a write (an upload, any HTTP write) or another unit of
 * work waits for the writer, or after SLICE_MS (each slice ends in a durable commit: an fsync).
 * The next slice begins once clients have been quiet for QUIET_MS, or after PATIENCE_MS, so the
 * merge still advances under uploads that never stop (a step at least every PATIENCE_MS).
 * bench/merge-beside.bench.ts measures it.
 */
const SQLITE_SLICE_MS = 250;
const SQLITE_QUIET_MS = 5;
const SQLITE_PATIENCE_MS = 100;

/**
 * Consolidates one batch: decodes its blob and merges the records into the project's sightings
 * in a single transaction that holds the project's feed row, so feed order is commit order.
 * Running it again for the same batch changes nothing. Which files merge together is the
 * MergeGroupPicker's choice; how one is written, the BatchWriter's.
 */
export class MergeService {
  private readonly logger = new Logger(MergeService.name);
  private readonly batches: BatchRepository;
  private readonly feeds: ProjectFeedRepository;
  private readonly rejections: RejectionRepository;
  private readonly picker: MergeGroupPicker;
  private readonly writer: BatchWriter;

  constructor(
    private readonly database: Database,
    private readonly blobs: BlobStore,
  ) {
    this.batches = new BatchRepository(database);
    this.feeds = new ProjectFeedRepository(database);
    this.rejections = new RejectionRepository(database);
    this.picker = new MergeGroupPicker(this.batches, blobs);
    this.writer = new BatchWriter(this.batches, new SightingRepository(database), this.rejections, blobs, this.feeds);
  }

  /** Merges the batch (and, with it, other small waiting files of its project, listed in `alsoMerged`). */
  async consolidate(batchId: string): Promise<{ status: BatchStatus; alsoMerged: string[] }> {
    const picked = await this.picker.pick(batchId);
    if (!picked) return { status: (await this.batches.statusAlone(batchId)) ?? 'failed', alsoMerged: [] };
    const { own, group } = picked;
    const timer = mergeSeconds.startTimer();
    // The embedded database has one writer: a large file alone is merged in slices, so that small
    // uploads are committed between them instead of waiting for the whole merge.
    if (this.database.type === 'sqlite' && group.length === 1 && own.file === null) {
      const outcome = await this.writer.writeInSlices((work) => this.database.transaction(work), own.batch, await decodedWhileRead(null, this.blobs, own.batch), {
        maxSliceMs: SQLITE_SLICE_MS,
        othersWaiting: () => this.database.foreground.busy || this.database.writersWaiting > 0,
        standAside: async () => {
          await this.database.foreground.standAside(SQLITE_QUIET_MS, SQLITE_PATIENCE_MS);
          // A turn of the event loop: work that arrived meanwhile queues for the writer first.
          await new Promise((resolve) => setImmediate(resolve));
        },
      });
      timer();
      this.recordMerged(batchId, outcome.status);
      return { status: outcome.status, alsoMerged: [] };
    }
    const outcomes = await this.database.transaction(async (tx) => {
      const { lastSeq: seqBefore, batch: current } = await this.feeds.lockInTx(tx, own.batch.projectId, batchId);
      // Another worker may have merged some of them while this one waited for the lock.
      const states = await this.batches.statesInTx(
        tx,
        group.filter((member) => member !== own).map((member) => member.batch.id),
      );
      states.set(batchId, current);
      let lastSeq = seqBefore;
      const merged = new Map<string, BatchStatus>();
      for (const { batch, file } of group) {
        const state = states.get(batch.id);
        if (!state || state.status === 'consolidated' || state.status === 'rejected') {
          merged.set(batch.id, state?.status ?? 'failed');
          continue;
        }
        // Rejections of an earlier attempt rolled back with it; this only guards a retried batch.
        if (state.attempts > 1) await this.rejections.deleteForBatchInTx(tx, batch.id);
        const result = await this.writer.writeInTx(tx, batch, lastSeq, file ?? (await decodedWhileRead(this.database.readerBeside(tx), this.blobs, batch)));
        lastSeq = result.lastSeq;
        merged.set(batch.id, result.status);
      }
      await this.feeds.setLastSeqInTx(tx, own.batch.projectId, lastSeq);
      return merged;
    });
    timer();
    for (const [id, status] of outcomes) this.recordMerged(id, status, id === batchId ? {} : { with: batchId });
    const alsoMerged = [...outcomes].filter(([id, status]) => id !== batchId && (status === 'consolidated' || status === 'rejected')).map(([id]) => id);
    return { status: outcomes.get(batchId)!, alsoMerged };
  }

  /**
   * Merges small files inside the transaction that receives them (their batch rows inserted
   * there): each is visible in the feed the moment its upload is acknowledged, and needs no job.
   */
  async mergeReceivedInTx(tx: Tx, files: { batch: ClaimedBatch; file: DecodedFile }[]): Promise<BatchOutcome[]> {
    const outcomes = new Map<string, BatchOutcome>();
    // Project by project, in the order given (the caller's lock order); one lock, one write of each kind and one feed update per project.
    for (const projectId of new Set(files.map((entry) => entry.batch.projectId))) {
      const ofProject = files.filter((entry) => entry.batch.projectId === projectId);
      const written = await this.writer.writeManyInTx(tx, projectId, ofProject, await this.feeds.lockFeedInTx(tx, projectId));
      ofProject.forEach((entry, index) => outcomes.set(entry.batch.id, written[index]));
      await this.feeds.setLastSeqInTx(tx, projectId, written[written.length - 1].lastSeq);
    }
    return files.map((entry) => outcomes.get(entry.batch.id)!);
  }

  /** Counts and logs a merge once its transaction committed. */
  private recordMerged(batchId: string, status: BatchStatus, context: Record<string, string> = {}): void {
    batchesMerged.inc({ status });
    this.logger.log({ message: 'batch merged', batchId, status, ...context });
  }

  /** Marks a batch whose job ran out of attempts, so the admin sees why. */
  async markFailed(batchId: string, reason: string): Promise<void> {
    await this.batches.markFailedAlone(batchId, storableText(reason));
  }
}
