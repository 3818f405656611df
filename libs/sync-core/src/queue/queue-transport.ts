import { JobName, QueueName } from './queue.contract.js';

export interface JobOptions {
  /** Adding a job whose id is waiting or running already changes nothing. */
  jobId: string;
  /** Tries in all; a failed try waits `backoffMs`, doubling each time. */
  attempts?: number;
  backoffMs?: number;
}

export interface QueuedJob<P> {
  id: string;
  data: P;
  /** Tries made so far, this one included once it failed. */
  attemptsMade: number;
  attempts: number;
  /** Forgets a job that failed for good, so the same id can be added again (the reconciler does). */
  discard(): Promise<void>;
}

export interface WorkerOptions<P> {
  concurrency: number;
  /** How long a running job is held before a dead worker's job is given to another (queue mode). */
  lockMs: number;
  /** After each failed try; `final` once no try is left. */
  onFailed?: (job: QueuedJob<P>, error: Error, final: boolean) => Promise<void>;
}

export interface RunningWorker {
  /** Stops taking jobs and waits for those running. */
  close(): Promise<void>;
}

export interface Schedule<P> {
  key: string;
  everyMs: number;
  data: P;
}

/**
 * Where jobs wait between the doors that add them and the workers that run them: BullMQ on
 * Redis when roles run in several processes (queue mode), or memory inside the one process
 * (embedded mode). Both keep the same contract, and neither holds anything the database does
 * not: a job is a batch id or a source id, and the reconciler adds back whatever was lost.
 */
export interface QueueTransport {
  readonly mode: 'queue' | 'embedded';
  add<P>(queue: QueueName, name: JobName, data: P, options: JobOptions): Promise<void>;
  /** Drops a waiting job; a running one is left alone. */
  remove(queue: QueueName, jobId: string): Promise<void>;
  /** One repeating job per schedule (the first run at once); schedules not listed stop. */
  setSchedules<P>(queue: QueueName, name: JobName, schedules: Schedule<P>[]): Promise<void>;
  work<P>(queue: QueueName, handler: (job: QueuedJob<P>) => Promise<unknown>, options: WorkerOptions<P>): RunningWorker;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The Nest token of the process's transport: Redis (queue mode) when REDIS_URL is set, else memory (embedded mode). */
export const QUEUE_TRANSPORT = Symbol('QUEUE_TRANSPORT');
