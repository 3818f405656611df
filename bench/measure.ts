import { readFileSync } from 'node:fs';

/** Resident set size of a process, in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 25): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process ended
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export const MB = 1024 * 1024;

export interface BenchFigure {
  benchmark: string;
  figure: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number | null;
  goal: string;
  met: boolean | null;
}

/** What orders one run's figures among the repetitions: its first ratio (or value, where none has a ratio). */
const rankOf = (run: BenchFigure[]): number => run.find((figure) => figure.ratio !== null)?.ratio ?? run[0]?.value ?? 0;

/** The run with the median rank, its figures saying so; one run is returned as it is. */
export function medianRun(runs: BenchFigure[][]): BenchFigure[] {
  if (runs.length === 1) return runs[0]!;
  const ranked = [...runs].sort((a, b) => rankOf(a) - rankOf(b));
  const median = ranked[Math.floor((ranked.length - 1) / 2)]!;
  const ranks = runs.map((run) => Number(rankOf(run).toFixed(3))).join(', ');
  return median.map((figure, index) => (index === 0 ? { ...figure, figure: `${figure.figure} [median of ${runs.length} runs: ${ranks}]` } : figure));
}
