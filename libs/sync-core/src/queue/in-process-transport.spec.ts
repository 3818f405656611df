import { afterEach, describe, expect, it } from 'vitest';
import { InProcessTransport } from './in-process-transport.js';
import { JobName, QueueName } from './queue.contract.js';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const add = (transport: InProcessTransport, id: string, attempts = 1, backoffMs = 0) =>
  transport.add(QueueName.Consolidate, JobName.ConsolidateBatch, { batchId: id }, { jobId: id, attempts, backoffMs });

describe('InProcessTransport', () => {
  let transport: InProcessTransport;
  afterEach(() => transport?.close());

  it('runs a job id once while it waits or runs, and again once it is done', async () => {
    transport = new InProcessTransport();
    const ran: string[] = [];
    await add(transport, 'b1');
    await add(transport, 'b1');
    transport.work<{ batchId: string }>(QueueName.Consolidate, async (job) => void ran.push(job.data.batchId), { concurrency: 1, lockMs: 1000 });
    await tick();
    await add(transport, 'b1');
    await tick();
    expect(ran).toEqual(['b1', 'b1']);
  });

  it('retries with a doubling backoff, then reports the final failure and forgets the id', async () => {
    transport = new InProcessTransport();
    const failures: [number, boolean][] = [];
    let tries = 0;
    transport.work(
      QueueName.Consolidate,
      async () => {
        tries++;
        throw new Error('database away');
      },
      { concurrency: 1, lockMs: 1000, onFailed: async (job, _error, final) => void failures.push([job.attemptsMade, final]) },
    );
    await add(transport, 'b2', 3, 10);
    await tick(100);
    expect(tries).toBe(3);
    expect(failures).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    await add(transport, 'b2', 1);
    await tick();
    expect(tries).toBe(4);
  });

  it('keeps to the concurrency, drops a waiting job on remove, and waits for running jobs on close', async () => {
    transport = new InProcessTransport();
    let running = 0;
    let most = 0;
    const done: string[] = [];
    transport.work<{ batchId: string }>(
      QueueName.Consolidate,
      async (job) => {
        most = Math.max(most, ++running);
        await tick(20);
        running--;
        done.push(job.data.batchId);
      },
      { concurrency: 2, lockMs: 1000 },
    );
    for (const id of ['a', 'b', 'c', 'd']) await add(transport, id);
    await transport.remove(QueueName.Consolidate, 'd');
    await tick(1);
    await transport.close();
    expect(most).toBe(2);
    expect(done.sort()).toEqual(['a', 'b']);
  });

  it('runs a schedule at once and then every interval, and stops the ones no longer listed', async () => {
    transport = new InProcessTransport();
    const runs: string[] = [];
    transport.work<{ sourceId: string }>(QueueName.Pull, async (job) => void runs.push(job.data.sourceId), { concurrency: 2, lockMs: 1000 });
    await transport.setSchedules(QueueName.Pull, JobName.PullSource, [{ key: 'source:s1', everyMs: 30, data: { sourceId: 's1' } }]);
    await tick(80);
    await transport.setSchedules(QueueName.Pull, JobName.PullSource, []);
    const count = runs.length;
    await tick(80);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBe(count);
  });
});
