import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { bulkIngest } from './bulk-ingest.bench.js';
import { consolePages } from './console.bench.js';
import { delivery } from './delivery.bench.js';
import { exportFormats } from './export.bench.js';
import { ftpUpload } from './ftp-upload.bench.js';
import { largeUploadMemory } from './large-upload-memory.bench.js';
import { mergeGrowth } from './merge-growth.bench.js';
import { smallUploadsBesideMerge } from './merge-beside.bench.js';
import { report } from './report.bench.js';
import { ogcApi } from './ogcapi.bench.js';
import { smallUploads } from './small-uploads.bench.js';
import { BenchFigure, medianRun } from './measure.js';

/**
 * BENCH_REPEAT=3 runs each benchmark three times and keeps the run whose ratio is the median. The
 * machines this runs on drift (psql \copy 39–92k rows/s within one day, the bare fsync server
 * 1,700–5,400 uploads/s): a figure and its baseline are measured minutes apart in one run, so a
 * single run's ratio moves with the drift; each repetition pairs them again, close together.
 */
function repetitions(): number {
  const text = process.env.BENCH_REPEAT ?? '1';
  if (!/^[1-9]\d?$/.test(text)) throw new Error(`BENCH_REPEAT must be a whole number from 1 to 99 (runs of each benchmark), not "${text}"`);
  return Number(text);
}

/** Runs every benchmark, prints one table, writes bench/results/latest.json. */
async function main(): Promise<void> {
  const repeat = repetitions();
  const figures: BenchFigure[] = [];
  const all: [string, () => Promise<BenchFigure | BenchFigure[]>][] = [
    ['bulk', () => bulkIngest('postgres')],
    ['bulk', () => bulkIngest('postgres', 'files')],
    ['bulk', () => bulkIngest('sqlite')],
    ['small', () => smallUploads('postgres')],
    ['small', () => smallUploads('postgres', 'embedded')],
    ['small', () => smallUploads('sqlite')],
    ['small', () => smallUploads('sqlite', 'embedded')],
    ['growth', () => mergeGrowth()],
    ['beside', () => smallUploadsBesideMerge()],
    ['export', () => exportFormats()],
    ['ftp', () => ftpUpload('postgres')],
    ['ftp', () => ftpUpload('postgres', 'files')],
    ['ftp', () => ftpUpload('sqlite')],
    ['ftp', () => ftpUpload('sqlite', 'files')],
    // Two sizes: memory is flat when the 200 MB figure is no higher than the 50 MB one.
    ['memory', () => largeUploadMemory('sqlite', 50)],
    ['memory', () => largeUploadMemory('sqlite', 200)],
    ['memory', () => largeUploadMemory('postgres', 50)],
    ['memory', () => largeUploadMemory('postgres', 200)],
    ['console', () => consolePages()],
    ['delivery', () => delivery()],
    ['report', () => report()],
    ['ogcapi', () => ogcApi()],
  ];
  // BENCH_ONLY=export (or bulk, small, growth, beside, ftp, memory, console, delivery, report, ogcapi) runs a part while working on it; the table on record comes from a full run.
  const only = process.env.BENCH_ONLY;
  for (const [, run] of all.filter(([name]) => !only || only.split(',').includes(name))) {
    const runs: BenchFigure[][] = [];
    for (let time = 0; time < repeat; time++) runs.push([await run()].flat());
    for (const figure of medianRun(runs)) {
      figures.push(figure);
      process.stdout.write(`done: ${figure.benchmark}: ${figure.figure}\n`);
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const rows = figures.map((f) => `| ${f.benchmark} | ${f.figure} | ${f.baseline} | ${f.ratio ?? '–'} | ${f.goal} | ${f.met === null ? '–' : f.met ? 'met' : 'NOT met'} |`);
  const table = ['| Benchmark | Figure | Baseline (same run) | Ratio | Goal | |', '|---|---|---|---|---|---|', ...rows].join('\n');
  process.stdout.write(`\nFieldSync benchmarks — ${new Date().toISOString()} — ${machine}\n\n${table}\n`);
  const dir = resolve(process.cwd(), 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, 'latest.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), machine, figures }, null, 2)}\n`);
  writeFileSync(resolve(dir, 'latest.md'), `Measured ${new Date().toISOString()} on ${machine}.\n\n${table}\n`);
}

main().catch((error) => {
  process.stderr.write(`benchmark failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
