import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { JobName, QueueName } from './queue.contract.js';
import { JobOptions, QueuedJob, QueueTransport, RunningWorker, Schedule, WorkerOptions } from './queue-transport.js';
import { redisConnection } from './redis.js';

const FAILED_JOBS_KEPT = 1000;

/** Queue mode: BullMQ on Redis, shared by every process of a deployment. */
export class BullMqTransport implements QueueTransport {
  readonly mode = 'queue';
  private readonly logger = new Logger('Queue');
  private readonly producer: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  /** `prefix` keeps deployments that share one Redis apart (QUEUE_PREFIX). */
  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {
    this.producer = redisConnection(redisUrl, 'producer');
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.prefix });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add<P>(queue: QueueName, name: JobName, data: P, options: JobOptions): Promise<void> {
    await this.queue(queue).add(name, data, {
      jobId: options.jobId,
      attempts: options.attempts ?? 1,
      ...(options.backoffMs ? { backoff: { type: 'exponential', delay: options.backoffMs } } : {}),
      removeOnComplete: true,
      removeOnFail: FAILED_JOBS_KEPT,
    });
  }

  async remove(queue: QueueName, jobId: string): Promise<void> {
    await this.queue(queue)
      .remove(jobId)
      .catch(() => 0);
  }

  async setSchedules<P>(queue: QueueName, name: JobName, schedules: Schedule<P>[]): Promise<void> {
    const wanted = new Set(schedules.map((schedule) => schedule.key));
    for (const schedule of schedules) {
      await this.queue(queue).upsertJobScheduler(schedule.key, { every: schedule.everyMs }, { name, data: schedule.data, opts: { removeOnComplete: true, removeOnFail: 100 } });
    }
    for (const scheduler of await this.queue(queue).getJobSchedulers()) {
      if (scheduler.key && !wanted.has(scheduler.key)) await this.queue(queue).removeJobScheduler(scheduler.key);
    }
  }

  work<P>(queue: QueueName, handler: (job: QueuedJob<P>) => Promise<unknown>, options: WorkerOptions<P>): RunningWorker {
    const connection = redisConnection(this.redisUrl, 'worker');
    const asQueued = (job: Job<P>): QueuedJob<P> => ({
      id: job.id ?? '',
      data: job.data,
      attemptsMade: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      discard: () => job.remove().catch(() => undefined),
    });
    const worker = new Worker<P>(queue, (job) => handler(asQueued(job)), {
      connection,
      prefix: this.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(5000, Math.floor(options.lockMs / 2)),
    });
    worker.on('error', (error) => this.logger.warn(`${queue} worker, queue connection: ${error.message}`));
    if (options.onFailed) {
      worker.on('failed', (job, error) => {
        if (!job) return;
        const queued = asQueued(job);
        void options.onFailed!(queued, error, queued.attemptsMade >= queued.attempts);
      });
    }
    return {
      close: async () => {
        await worker.close();
        connection.disconnect();
      },
    };
  }

  async ping(): Promise<void> {
    await this.producer.ping();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close().catch(() => undefined)));
    this.producer.disconnect();
  }
}
