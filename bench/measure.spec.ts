import { describe, expect, it } from 'vitest';
import { BenchFigure, medianRun } from './measure.js';

const figure = (benchmark: string, ratio: number | null, value = 1): BenchFigure => ({
  benchmark,
  figure: `${value} things/s`,
  value,
  unit: 'things/s',
  baseline: 'bare',
  baselineValue: 1,
  ratio,
  goal: '≥ 0.5 × bare',
  met: ratio === null ? null : ratio >= 0.5,
});

describe('medianRun', () => {
  it('keeps the repetition whose ratio is the median, with its other figures, and names every ratio', () => {
    const runs = [
      [figure('ingest', 0.47, 47), figure('visible', null, 10)],
      [figure('ingest', 0.41, 41), figure('visible', null, 30)],
      [figure('ingest', 0.44, 44), figure('visible', null, 20)],
    ];
    const [ingest, visible] = medianRun(runs);
    expect(ingest!.value).toBe(44);
    expect(ingest!.figure).toBe('44 things/s [median of 3 runs: 0.47, 0.41, 0.44]');
    expect(visible!.value).toBe(20);
  });

  it('ranks by value where no figure has a ratio, and leaves a single run as it is', () => {
    const runs = [[figure('page', null, 3)], [figure('page', null, 1)], [figure('page', null, 2)]];
    expect(medianRun(runs)[0]!.value).toBe(2);
    const once = [figure('ingest', 0.4, 40)];
    expect(medianRun([once])).toBe(once);
  });
});
