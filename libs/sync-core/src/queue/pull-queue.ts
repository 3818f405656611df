import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { JobName, PullSourcePayload, QueueName } from './queue.contract.js';
import { redisConnection } from './redis.js';

/** The producer side of the pull queue: a repeating job per source, and "pull now". */
export class PullQueue {
  private readonly connection: Redis;
  private readonly queue: Queue<PullSourcePayload>;

  constructor(redisUrl: string) {
    this.connection = redisConnection(redisUrl, 'producer');
    this.queue = new Queue<PullSourcePayload>(QueueName.Pull, { connection: this.connection });
    this.queue.on('error', () => undefined);
  }

  /** Makes the queue's schedules match the sources: one repeating job each, none for deleted ones. */
  async syncSchedules(sources: { id: string; everyMinutes: number }[]): Promise<void> {
    const wanted = new Set(sources.map((source) => `source:${source.id}`));
    for (const source of sources) {
      await this.queue.upsertJobScheduler(`source:${source.id}`, { every: source.everyMinutes * 60_000 }, { name: JobName.PullSource, data: { sourceId: source.id }, opts: { removeOnComplete: true, removeOnFail: 100 } });
    }
    for (const scheduler of await this.queue.getJobSchedulers()) {
      if (scheduler.key && !wanted.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
    }
  }

  /** Pulls a source as soon as a consolidator is free (one run at a time per source). */
  async runNow(sourceId: string): Promise<void> {
    await this.queue.add(JobName.PullSource, { sourceId }, { jobId: `now:${sourceId}:${Date.now()}`, removeOnComplete: true, removeOnFail: 100 });
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
