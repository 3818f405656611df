import { describe, expect, it } from 'vitest';
import { PeriodicTask } from './periodic-task.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PeriodicTask', () => {
  it('runs again after each run, never two at once, goes on after a failure, and stop() waits for a run', async () => {
    let active = 0;
    let overlapped = false;
    let runs = 0;
    const errors: string[] = [];
    const task = new PeriodicTask(
      async () => {
        active++;
        overlapped ||= active > 1;
        runs++;
        await sleep(15);
        active--;
        if (runs === 2) throw new Error('second run failed');
      },
      1,
      (error) => errors.push(error.message),
    );
    task.start();
    await sleep(120);
    await task.stop();
    const after = runs;
    expect(active).toBe(0);
    await sleep(40);
    expect(runs).toBe(after);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(overlapped).toBe(false);
    expect(errors).toEqual(['second run failed']);
  });
});
