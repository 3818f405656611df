import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BatchService, BlobStore, ConsolidateQueue, FIELDSYNC_CONFIG, PeriodicTask, QUEUE_TRANSPORT } from '@fieldsync/sync-core';
import type { FieldSyncConfig, QueueTransport } from '@fieldsync/sync-core';

// Queuing a batch whose job still exists is a no-op, so a short wait is safe; it brings back
// batches whose job was lost with Redis, or given up on while the database was away.
const STALE_PROCESSING_MS = 60_000;
const ABANDONED_BLOB_MS = 60 * 60_000;
const BATCHES_PER_ROUND = 1000;

/**
 * Makes sure every committed batch gets consolidated even when its job was lost (Redis down
 * at upload time, Redis restarted empty): on start and then periodically it queues every batch
 * still `received`, and every `processing` batch nobody touched for a long time. Adding a job
 * whose id (the batch id) is already queued is a no-op, so this never duplicates work.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private readonly rounds: PeriodicTask;
  private readonly startedAt = Date.now();

  constructor(
    @Inject(BatchService) private readonly batches: BatchService,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(ConsolidateQueue) private readonly queue: ConsolidateQueue,
    @Inject(QUEUE_TRANSPORT) private readonly transport: QueueTransport,
    @Inject(FIELDSYNC_CONFIG) config: FieldSyncConfig,
  ) {
    this.rounds = new PeriodicTask(
      () => this.reconcile(),
      config.reconcileIntervalMs,
      (error) => this.logger.warn(`reconcile round failed: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.rounds.start();
  }

  async reconcile(): Promise<void> {
    // In embedded mode this process is the only consolidator: a batch left "processing" before it
    // started was abandoned by the one before it (killed), and is queued again at once.
    const stale = Date.now() - STALE_PROCESSING_MS;
    const staleBefore = new Date(this.transport.mode === 'embedded' ? Math.max(stale, this.startedAt) : stale).toISOString();
    const unfinished = await this.batches.unfinished(staleBefore, BATCHES_PER_ROUND);
    let queued = 0;
    for (const batch of unfinished) {
      if (!(await this.queue.enqueue(batch.id))) break;
      queued++;
    }
    if (unfinished.length > 0) this.logger.log({ message: 'reconciler queued batches', found: unfinished.length, queued });
    const swept = await this.blobs.sweepAbandoned(ABANDONED_BLOB_MS);
    if (swept > 0) this.logger.log({ message: 'removed abandoned partial uploads', count: swept });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
  }
}
