import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ConsolidateBatchPayload, JobName, QueueName } from './queue.contract.js';
import { redisConnection } from './redis.js';

const ENQUEUE_TIMEOUT_MS = 2000;

/** The producer side of the consolidate queue, used by every door after its batch commits. */
export class ConsolidateQueue {
  private readonly logger = new Logger(ConsolidateQueue.name);
  private readonly connection: Redis;
  private readonly queue: Queue<ConsolidateBatchPayload>;

  constructor(redisUrl: string) {
    this.connection = redisConnection(redisUrl, 'producer');
    this.queue = new Queue<ConsolidateBatchPayload>(QueueName.Consolidate, { connection: this.connection });
    this.queue.on('error', () => undefined);
  }

  /**
   * Adds the batch's job; the job id is the batch id, so adding twice is harmless. Returns
   * false instead of throwing when Redis is unreachable: the reconciler enqueues it later.
   */
  async enqueue(batchId: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.queue.add(JobName.ConsolidateBatch, { batchId }, {
          jobId: batchId,
          attempts: 5,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: true,
          removeOnFail: 1000,
        }),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ENQUEUE_TIMEOUT_MS))),
      ]);
      return true;
    } catch (error) {
      this.logger.warn(`batch ${batchId} not queued (${(error as Error).message}); the reconciler will queue it when Redis is back`);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Drops the waiting jobs of batches that were merged along with another: each would only find
   * its batch done. A job already running is left alone (it stops at once), and so is any error:
   * a job left behind costs a little time, never a wrong result.
   */
  async forget(batchIds: string[]): Promise<void> {
    await Promise.all(batchIds.map((id) => this.queue.remove(id).catch(() => 0)));
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
