import { describe, expect, it } from 'vitest';
import { Mutex } from './mutex.js';

describe('Mutex', () => {
  it('never lets two holders overlap, and keeps arrival order', async () => {
    const mutex = new Mutex();
    const events: string[] = [];
    const hold = (name: string, ms: number) =>
      mutex.run(async () => {
        events.push(`in ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`out ${name}`);
      });
    await Promise.all([hold('a', 20), hold('b', 1), hold('c', 5)]);
    expect(events).toEqual(['in a', 'out a', 'in b', 'out b', 'in c', 'out c']);
  });

  it('releases the lock when the holder throws', async () => {
    const mutex = new Mutex();
    await expect(
      mutex.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(mutex.run(async () => 42)).resolves.toBe(42);
  });

  it('counts the callers waiting behind the holder', async () => {
    const mutex = new Mutex();
    const seen: number[] = [];
    let letGo!: () => void;
    const first = mutex.run(() => new Promise<void>((resolve) => (letGo = resolve)));
    await Promise.resolve();
    seen.push(mutex.waiting);
    const second = mutex.run(async () => void seen.push(mutex.waiting));
    seen.push(mutex.waiting);
    letGo();
    await Promise.all([first, second]);
    seen.push(mutex.waiting);
    expect(seen).toEqual([0, 1, 0, 0]);
  });
});
