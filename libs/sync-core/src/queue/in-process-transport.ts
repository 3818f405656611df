import { JobName, QueueName } from './queue.contract.js';
import { JobOptions, QueuedJob, QueueTransport, RunningWorker, Schedule, WorkerOptions } from './queue-transport.js';

interface Entry {
  id: string;
  data: unknown;
  attempts: number;
  backoffMs: number;
  attemptsMade: number;
  state: 'waiting' | 'running' | 'retrying';
  retryTimer?: NodeJS.Timeout;
}

interface Consumer {
  handler: (job: QueuedJob<unknown>) => Promise<unknown>;
  options: WorkerOptions<unknown>;
  running: Set<Promise<void>>;
  closed: boolean;
}

class MemoryQueue {
  readonly waiting: Entry[] = [];
  readonly known = new Map<string, Entry>();
  readonly consumers: Consumer[] = [];
  readonly schedules = new Map<string, NodeJS.Timeout>();
}

/**
 * Embedded mode: the queue lives in this process's memory, for the one process that runs
 * every role (`npm start` with no REDIS_URL). Same contract as BullMQ: a job id waiting or
 * running is added once, failed tries wait with a doubling backoff, schedules repeat. Nothing
 * here outlives the process, and nothing needs to: batches are committed in the database
 * before their job is added, and the reconciler adds back every unfinished one at start.
 */
export class InProcessTransport implements QueueTransport {
  readonly mode = 'embedded';
  private readonly queues = new Map<QueueName, MemoryQueue>();
  private closed = false;

  private queue(name: QueueName): MemoryQueue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new MemoryQueue()));
    return queue;
  }

  async add<P>(queueName: QueueName, _name: JobName, data: P, options: JobOptions): Promise<void> {
    if (this.closed) return;
    const queue = this.queue(queueName);
    if (queue.known.has(options.jobId)) return;
    const entry: Entry = { id: options.jobId, data, attempts: options.attempts ?? 1, backoffMs: options.backoffMs ?? 0, attemptsMade: 0, state: 'waiting' };
    queue.known.set(entry.id, entry);
    queue.waiting.push(entry);
    this.dispatch(queue);
  }

  async remove(queueName: QueueName, jobId: string): Promise<void> {
    const queue = this.queue(queueName);
    const entry = queue.known.get(jobId);
    if (!entry || entry.state === 'running') return;
    clearTimeout(entry.retryTimer);
    queue.known.delete(jobId);
    const at = queue.waiting.indexOf(entry);
    if (at >= 0) queue.waiting.splice(at, 1);
  }

  async setSchedules<P>(queueName: QueueName, name: JobName, schedules: Schedule<P>[]): Promise<void> {
    const queue = this.queue(queueName);
    const wanted = new Map(schedules.map((schedule) => [`${schedule.key}:${schedule.everyMs}`, schedule]));
    for (const [key, timer] of queue.schedules) {
      if (!wanted.has(key)) {
        clearInterval(timer);
        queue.schedules.delete(key);
      }
    }
    for (const [key, schedule] of wanted) {
      if (queue.schedules.has(key) || this.closed) continue;
      const run = () => void this.add(queueName, name, schedule.data, { jobId: `${schedule.key}:${Date.now()}` });
      queue.schedules.set(key, setInterval(run, schedule.everyMs));
      run();
    }
  }

  work<P>(queueName: QueueName, handler: (job: QueuedJob<P>) => Promise<unknown>, options: WorkerOptions<P>): RunningWorker {
    const queue = this.queue(queueName);
    const consumer: Consumer = { handler: handler as Consumer['handler'], options: options as WorkerOptions<unknown>, running: new Set(), closed: false };
    queue.consumers.push(consumer);
    this.dispatch(queue);
    return {
      close: async () => {
        consumer.closed = true;
        await Promise.all(consumer.running);
      },
    };
  }

  /** Hands waiting jobs to consumers with a free slot. */
  private dispatch(queue: MemoryQueue): void {
    for (const consumer of queue.consumers) {
      while (!consumer.closed && !this.closed && consumer.running.size < consumer.options.concurrency && queue.waiting.length > 0) {
        const entry = queue.waiting.shift()!;
        entry.state = 'running';
        const running: Promise<void> = this.run(queue, consumer, entry).finally(() => {
          consumer.running.delete(running);
          this.dispatch(queue);
        });
        consumer.running.add(running);
      }
    }
  }

  private async run(queue: MemoryQueue, consumer: Consumer, entry: Entry): Promise<void> {
    const job: QueuedJob<unknown> = {
      id: entry.id,
      data: entry.data,
      attemptsMade: entry.attemptsMade,
      attempts: entry.attempts,
      discard: async () => void queue.known.delete(entry.id),
    };
    try {
      await consumer.handler(job);
      queue.known.delete(entry.id);
    } catch (error) {
      entry.attemptsMade++;
      job.attemptsMade = entry.attemptsMade;
      const final = entry.attemptsMade >= entry.attempts || this.closed;
      // Forgotten before the callback, so a final failure never blocks adding the id again.
      if (final) queue.known.delete(entry.id);
      await consumer.options.onFailed?.(job, error instanceof Error ? error : new Error(String(error)), final).catch(() => undefined);
      if (!final) {
        entry.state = 'retrying';
        entry.retryTimer = setTimeout(
          () => {
            if (queue.known.get(entry.id) !== entry) return;
            entry.state = 'waiting';
            queue.waiting.push(entry);
            this.dispatch(queue);
          },
          entry.backoffMs * 2 ** (entry.attemptsMade - 1),
        );
      }
    }
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) {
      for (const timer of queue.schedules.values()) clearInterval(timer);
      for (const entry of queue.known.values()) clearTimeout(entry.retryTimer);
      await Promise.all(queue.consumers.flatMap((consumer) => [...consumer.running]));
    }
  }
}
