import { Logger } from '@nestjs/common';
import { ConsolidateBatchPayload, JobName, QueueName } from './queue.contract.js';
import { QueueTransport } from './queue-transport.js';
import { withinTime } from '../time-limit.js';

const ENQUEUE_TIMEOUT_MS = 2000;
export const CONSOLIDATE_ATTEMPTS = 5;
const BACKOFF_MS = 2000;

/** The producer side of the consolidate queue, used by every door after its batch commits. */
export class ConsolidateQueue {
  private readonly logger = new Logger(ConsolidateQueue.name);
  /** While Redis is away every upload fails to queue: said once, then per batch only at debug level. */
  private failing = false;

  constructor(private readonly transport: QueueTransport) {}

  /**
   * Adds the batch's job; the job id is the batch id, so adding twice is harmless. Returns
   * false instead of throwing when Redis is unreachable: the reconciler enqueues it later.
   */
  async enqueue(batchId: string): Promise<boolean> {
    try {
      await withinTime(
        this.transport.add<ConsolidateBatchPayload>(QueueName.Consolidate, JobName.ConsolidateBatch, { batchId }, { jobId: batchId, attempts: CONSOLIDATE_ATTEMPTS, backoffMs: BACKOFF_MS }),
        ENQUEUE_TIMEOUT_MS,
        'timed out',
      );
      this.failing = false;
      return true;
    } catch (error) {
      const message = `batch ${batchId} not queued (${(error as Error).message}); the reconciler will queue it when Redis is back`;
      if (this.failing) this.logger.debug(message);
      else this.logger.warn(`${message}. Batches that follow are kept the same way until then.`);
      this.failing = true;
      return false;
    }
  }

  /** Queues a batch again whose earlier job failed for good (an administrator's retry). */
  async requeue(batchId: string): Promise<boolean> {
    await this.transport.remove(QueueName.Consolidate, batchId).catch(() => undefined);
    return this.enqueue(batchId);
  }

  /**
   * Drops the waiting jobs of batches that were merged along with another: each would only find
   * its batch done. A job already running is left alone (it stops at once), and so is any error:
   * a job left behind costs a little time, never a wrong result.
   */
  async forget(batchIds: string[]): Promise<void> {
    await Promise.all(batchIds.map((id) => this.transport.remove(QueueName.Consolidate, id).catch(() => undefined)));
  }
}
