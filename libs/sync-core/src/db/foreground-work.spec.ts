import { describe, expect, it } from 'vitest';
import { ForegroundWork } from './foreground-work.js';

describe('ForegroundWork', () => {
  it('is busy from the first begin to the last end, and an end counts once', () => {
    const work = new ForegroundWork();
    const a = work.begin();
    const b = work.begin();
    a();
    a();
    expect(work.busy).toBe(true);
    b();
    expect(work.busy).toBe(false);
  });

  it('lets background work go on once the foreground has ended and stayed quiet', async () => {
    const work = new ForegroundWork();
    const end = work.begin();
    let goneOn = false;
    const aside = work.standAside(20, 60_000).then(() => (goneOn = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(goneOn).toBe(false);
    end();
    const endedAt = Date.now();
    await aside;
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(19);
  });

  it('waits again when new foreground work begins within the quiet time', async () => {
    const work = new ForegroundWork();
    work.begin()();
    const aside = work.standAside(200, 400);
    let goneOn = false;
    void aside.then(() => (goneOn = true));
    const end = work.begin();
    end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(goneOn).toBe(false);
  });

  it('goes on without waiting when nothing ran, and after its patience while the foreground never ends', async () => {
    const work = new ForegroundWork();
    await work.standAside(60_000, 60_000);
    work.begin();
    await work.standAside(10, 5);
    expect(work.busy).toBe(true);
  });
});
