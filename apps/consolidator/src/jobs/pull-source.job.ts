import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask, PullQueue, PullService, PullSourcePayload, QUEUE_TRANSPORT, QueuedJob, QueueName, RunningWorker, SourceService } from '@fieldsync/sync-core';
import type { QueueTransport } from '@fieldsync/sync-core';

const SCHEDULE_SYNC_MS = 30_000;

/** The `pull` worker (one run of a source per job) and the keeper of each source's schedule. */
@Injectable()
export class PullSourceJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PullSourceJob.name);
  private worker: RunningWorker | null = null;
  private readonly scheduleKeeper: PeriodicTask;
  /** The last problem said, so one that lasts (Redis away) is not repeated every round. */
  private lastProblem: string | null = null;

  constructor(
    @Inject(PullService) private readonly pulls: PullService,
    @Inject(SourceService) private readonly sources: SourceService,
    @Inject(PullQueue) private readonly queue: PullQueue,
    @Inject(QUEUE_TRANSPORT) private readonly transport: QueueTransport,
  ) {
    this.scheduleKeeper = new PeriodicTask(
      () => this.syncSchedules(),
      SCHEDULE_SYNC_MS,
      (error) => {
        if (error.message !== this.lastProblem) this.logger.warn(`could not update pull schedules: ${error.message}`);
        this.lastProblem = error.message;
      },
    );
  }

  onApplicationBootstrap(): void {
    this.worker = this.transport.work<PullSourcePayload>(QueueName.Pull, (job) => this.handle(job), { concurrency: 2, lockMs: 120_000 });
    this.scheduleKeeper.start();
  }

  async handle(job: QueuedJob<PullSourcePayload>) {
    return this.pulls.pull(job.data.sourceId);
  }

  private async syncSchedules(): Promise<void> {
    await this.queue.syncSchedules(await this.sources.list(null));
    this.lastProblem = null;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scheduleKeeper.stop();
    await this.worker?.close();
  }
}
