import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ConsolidateBatchPayload, ConsolidateQueue, FIELDSYNC_CONFIG, MergeService, QueueName, redisConnection, storeTrouble } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/** The `consolidate` worker: one job per batch, handed to MergeService. */
@Injectable()
export class ConsolidateBatchJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsolidateBatchJob.name);
  private connection: Redis;
  private worker: Worker<ConsolidateBatchPayload>;

  constructor(
    @Inject(MergeService) private readonly merge: MergeService,
    @Inject(ConsolidateQueue) private readonly queue: ConsolidateQueue,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = redisConnection(this.config.redisUrl, 'worker');
    this.worker = new Worker<ConsolidateBatchPayload>(QueueName.Consolidate, (job) => this.handle(job), {
      connection: this.connection,
      concurrency: this.config.consolidatorConcurrency,
      // A merge of a large batch can take minutes; the lock is renewed while it runs. When a
      // consolidator dies, its jobs go back to the queue once their lock expires.
      lockDuration: 30_000,
      stalledInterval: 15_000,
    });
    this.worker.on('failed', (job, error) => void this.onFailed(job, error));
    this.worker.on('error', (error) => this.logger.warn(`queue connection: ${error.message}`));
  }

  async handle(job: Job<ConsolidateBatchPayload>): Promise<string> {
    const { status, alsoMerged } = await this.merge.consolidate(job.data.batchId);
    if (alsoMerged.length > 0) await this.queue.forget(alsoMerged);
    return status;
  }

  private async onFailed(job: Job<ConsolidateBatchPayload> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const trouble = storeTrouble(error);
    this.logger.error({ message: 'consolidation attempt failed', batchId: job.data.batchId, attempt: job.attemptsMade, error: error.message, ...(trouble ? { store: trouble } : {}) });
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    if (trouble) {
      // The database or its disk is away, not the batch at fault: keep it for the reconciler,
      // which can only queue it again once this job is gone.
      await job.remove().catch(() => undefined);
      this.logger.warn({ message: 'batch kept for a later attempt; the reconciler queues it again', batchId: job.data.batchId, store: trouble });
      return;
    }
    await this.merge.markFailed(job.data.batchId, `consolidation failed after ${job.attemptsMade} attempts: ${error.message}`).catch(() => undefined);
  }

  /** Lets running merges finish (Nest calls this only with enableShutdownHooks), then lets go of Redis. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
