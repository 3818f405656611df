import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ConsolidateBatchPayload, FIELDSYNC_CONFIG, MergeService, QueueName, redisConnection } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/** The `consolidate` worker: one job per batch, handed to MergeService. */
@Injectable()
export class ConsolidateBatchJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsolidateBatchJob.name);
  private connection: Redis;
  private worker: Worker<ConsolidateBatchPayload>;

  constructor(@Inject(MergeService) private readonly merge: MergeService, @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig) {}

  onApplicationBootstrap(): void {
    this.connection = redisConnection(this.config.redisUrl, 'worker');
    this.worker = new Worker<ConsolidateBatchPayload>(QueueName.Consolidate, (job) => this.handle(job), {
      connection: this.connection,
      concurrency: this.config.consolidatorConcurrency,
      // A merge of a large batch can take minutes; the lock is renewed while it runs.
      lockDuration: 60_000,
    });
    this.worker.on('failed', (job, error) => void this.onFailed(job, error));
    this.worker.on('error', (error) => this.logger.warn(`queue connection: ${error.message}`));
  }

  async handle(job: Job<ConsolidateBatchPayload>): Promise<string> {
    return this.merge.consolidate(job.data.batchId);
  }

  private async onFailed(job: Job<ConsolidateBatchPayload> | undefined, error: Error): Promise<void> {
    if (!job) return;
    this.logger.error({ message: 'consolidation attempt failed', batchId: job.data.batchId, attempt: job.attemptsMade, error: error.message });
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      await this.merge.markFailed(job.data.batchId, `consolidation failed after ${job.attemptsMade} attempts: ${error.message}`).catch(() => undefined);
    }
  }

  /** Lets running merges finish (Nest calls this only with enableShutdownHooks), then lets go of Redis. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
