import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { FIELDSYNC_CONFIG, PeriodicTask, PullQueue, PullService, PullSourcePayload, QueueName, redisConnection, SourceService } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

const SCHEDULE_SYNC_MS = 30_000;

/** The `pull` worker (one run of a source per job) and the keeper of each source's schedule. */
@Injectable()
export class PullSourceJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PullSourceJob.name);
  private connection: Redis;
  private worker: Worker<PullSourcePayload>;
  private readonly scheduleKeeper: PeriodicTask;

  constructor(
    @Inject(PullService) private readonly pulls: PullService,
    @Inject(SourceService) private readonly sources: SourceService,
    @Inject(PullQueue) private readonly queue: PullQueue,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {
    this.scheduleKeeper = new PeriodicTask(() => this.syncSchedules(), SCHEDULE_SYNC_MS, (error) => this.logger.warn(`could not update pull schedules: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.connection = redisConnection(this.config.redisUrl, 'worker');
    this.worker = new Worker<PullSourcePayload>(QueueName.Pull, (job) => this.handle(job), { connection: this.connection, concurrency: 2, lockDuration: 120_000 });
    this.worker.on('error', (error) => this.logger.warn(`queue connection: ${error.message}`));
    this.scheduleKeeper.start();
  }

  async handle(job: Job<PullSourcePayload>) {
    return this.pulls.pull(job.data.sourceId);
  }

  private async syncSchedules(): Promise<void> {
    await this.queue.syncSchedules(await this.sources.list(null));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scheduleKeeper.stop();
    await this.worker?.close();
    this.connection?.disconnect();
  }
}
