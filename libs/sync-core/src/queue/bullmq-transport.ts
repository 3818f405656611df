import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { JobName, QueueName } from './queue.contract.js';
import { JobOptions, QueuedJob, QueueTransport, RunningWorker, Schedule, WorkerOptions } from './queue-transport.js';
import { shownUrl } from '../config/shown-url.js';
import { RedisLink, redisProblemInWords } from './redis.js';

const FAILED_JOBS_KEPT = 1000;
const CONNECT_WAIT_MS = 2000;

/** Queue mode: BullMQ on Redis, shared by every process of a deployment. */
export class BullMqTransport implements QueueTransport {
  readonly mode = 'queue';
  private readonly logger = new Logger('Queue');
  private readonly producer: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  /** `prefix` keeps deployments that share one Redis apart (QUEUE_PREFIX). */
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
  ) {
    this.producer = link.connect('producer');
  }

  /**
   * BullMQ waits for a connection without end, so while Redis is away a call would hang (and a
   * stop waiting on it with it): a call fails instead, and its caller leaves the work in the
   * database for the reconciler.
   */
  private async reachable(): Promise<void> {
    await this.connected().catch((error: Error) => Promise.reject(new Error(`Redis is not reachable at ${shownUrl(this.link.url)}: ${error.message}`)));
  }

  /** The producer does not queue commands offline, so a call made before its first connection would fail: wait for it, briefly. */
  private async connected(): Promise<void> {
    if (this.producer.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.producer.off('ready', ready);
        reject(new Error(this.link.trouble ?? 'not connected'));
      }, CONNECT_WAIT_MS);
      this.producer.once('ready', ready);
    });
  }

  private async queue(name: QueueName): Promise<Queue> {
    await this.reachable();
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.producer, prefix: this.prefix });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  async add<P>(queue: QueueName, name: JobName, data: P, options: JobOptions): Promise<void> {
    await (
      await this.queue(queue)
    ).add(name, data, {
      jobId: options.jobId,
      attempts: options.attempts ?? 1,
      ...(options.backoffMs ? { backoff: { type: 'exponential', delay: options.backoffMs } } : {}),
      removeOnComplete: true,
      removeOnFail: FAILED_JOBS_KEPT,
    });
  }

  async remove(queue: QueueName, jobId: string): Promise<void> {
    await this.queue(queue)
      .then((waiting) => waiting.remove(jobId))
      .catch(() => 0);
  }

  async setSchedules<P>(queue: QueueName, name: JobName, schedules: Schedule<P>[]): Promise<void> {
    const wanted = new Set(schedules.map((schedule) => schedule.key));
    const scheduled = await this.queue(queue);
    for (const schedule of schedules) {
      await scheduled.upsertJobScheduler(schedule.key, { every: schedule.everyMs }, { name, data: schedule.data, opts: { removeOnComplete: true, removeOnFail: 100 } });
    }
    for (const scheduler of await scheduled.getJobSchedulers()) {
      if (scheduler.key && !wanted.has(scheduler.key)) await scheduled.removeJobScheduler(scheduler.key);
    }
  }

  work<P>(queue: QueueName, handler: (job: QueuedJob<P>) => Promise<unknown>, options: WorkerOptions<P>): RunningWorker {
    const connection = this.link.connect('worker');
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
    // A lost connection is the link's to say, once (BullMQ repeats it on every reconnect attempt);
    // anything else a worker reports is said here.
    worker.on('error', (error) => {
      if (this.link.trouble === null && redisProblemInWords(error) === error.message) this.logger.warn(`${queue} worker: ${error.message}`);
    });
    if (options.onFailed) {
      worker.on('failed', (job, error) => {
        if (!job) return;
        const queued = asQueued(job);
        void options.onFailed!(queued, error, queued.attemptsMade >= queued.attempts);
      });
    }
    return {
      close: async () => {
        // Running jobs are waited for only while Redis answers: without it they cannot be marked
        // done anyway, and once their locks expire another worker runs them again (merges are
        // idempotent). Waiting would hold the stop past any grace period.
        const redisGone = new Promise<void>((resolve) => {
          if (connection.status !== 'ready') resolve();
          connection.once('error', () => resolve());
          connection.once('end', () => resolve());
        });
        await Promise.race([worker.close(), redisGone]);
        connection.disconnect();
      },
    };
  }

  async ping(): Promise<void> {
    const away = (trouble: string) => new Error(`not reachable at ${shownUrl(this.link.url)}: ${trouble}; uploads are kept and consolidated once it is back`);
    if (this.link.trouble) throw away(this.link.trouble);
    await this.connected().catch((error: Error) => Promise.reject(away(error.message)));
    await this.producer.ping().catch((error: Error) => Promise.reject(away(redisProblemInWords(error))));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close().catch(() => undefined)));
    this.producer.disconnect();
  }
}
