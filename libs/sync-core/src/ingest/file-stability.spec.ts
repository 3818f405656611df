import { describe, expect, it } from 'vitest';
import { FileStability } from './file-stability.js';

describe('FileStability', () => {
  it('takes a file only once two scans see the same size and mtime', () => {
    const stability = new FileStability(10_000);
    const now = 1_000_000;
    expect(stability.scan(new Map([['a', { size: 10, mtimeMs: now }]]), now)).toEqual([]);
    expect(stability.scan(new Map([['a', { size: 20, mtimeMs: now + 500 }]]), now + 1000)).toEqual([]);
    expect(stability.scan(new Map([['a', { size: 20, mtimeMs: now + 500 }]]), now + 2000)).toEqual(['a']);
  });

  it('takes a file renamed into place at once, since it appears already old', () => {
    const stability = new FileStability(10_000);
    expect(stability.scan(new Map([['old', { size: 5, mtimeMs: 0 }]]), 60_000)).toEqual(['old']);
  });

  it('with settleMs, waits until the file stayed the same that long, however often it scans', () => {
    const stability = new FileStability(60_000, 2000);
    const t = 1_000_000;
    expect(stability.scan(new Map([['a', { size: 10, mtimeMs: t }]]), t)).toEqual([]);
    expect(stability.scan(new Map([['a', { size: 10, mtimeMs: t }]]), t + 50)).toEqual([]);
    expect(stability.scan(new Map([['a', { size: 10, mtimeMs: t }]]), t + 1999)).toEqual([]);
    expect(stability.scan(new Map([['a', { size: 10, mtimeMs: t }]]), t + 2000)).toEqual(['a']);
  });
});
