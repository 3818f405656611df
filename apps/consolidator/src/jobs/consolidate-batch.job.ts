import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConsolidateBatchPayload, ConsolidateQueue, FIELDSYNC_CONFIG, MergeService, QUEUE_TRANSPORT, QueuedJob, QueueName, RunningWorker, storeTrouble } from '@fieldsync/sync-core';
import type { FieldSyncConfig, QueueTransport } from '@fieldsync/sync-core';

/** The `consolidate` worker: one job per batch, handed to MergeService. */
@Injectable()
export class ConsolidateBatchJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsolidateBatchJob.name);
  private worker: RunningWorker | null = null;

  constructor(
    @Inject(MergeService) private readonly merge: MergeService,
    @Inject(ConsolidateQueue) private readonly queue: ConsolidateQueue,
    @Inject(QUEUE_TRANSPORT) private readonly transport: QueueTransport,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = this.transport.work<ConsolidateBatchPayload>(QueueName.Consolidate, (job) => this.handle(job), {
      concurrency: this.config.consolidatorConcurrency,
      // A merge of a large batch can take minutes; the lock is renewed while it runs. When a
      // consolidator dies, its jobs go back to the queue once their lock expires.
      lockMs: 30_000,
      onFailed: (job, error, final) => this.onFailed(job, error, final),
    });
  }

  async handle(job: QueuedJob<ConsolidateBatchPayload>): Promise<string> {
    const { status, alsoMerged } = await this.merge.consolidate(job.data.batchId);
    if (alsoMerged.length > 0) await this.queue.forget(alsoMerged);
    return status;
  }

  private async onFailed(job: QueuedJob<ConsolidateBatchPayload>, error: Error, final: boolean): Promise<void> {
    const trouble = storeTrouble(error);
    this.logger.error({ message: 'consolidation attempt failed', batchId: job.data.batchId, attempt: job.attemptsMade, error: error.message, ...(trouble ? { store: trouble } : {}) });
    if (!final) return;
    if (trouble) {
      // The database or its disk is away, not the batch at fault: keep it for the reconciler,
      // which can only queue it again once this job is gone.
      await job.discard();
      this.logger.warn({ message: 'batch kept for a later attempt; the reconciler queues it again', batchId: job.data.batchId, store: trouble });
      return;
    }
    await this.merge.markFailed(job.data.batchId, `consolidation failed after ${job.attemptsMade} attempts: ${error.message}`).catch(() => undefined);
  }

  /** Lets running merges finish (Nest calls this only with enableShutdownHooks). */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
