import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ScenarioFigures } from './summary.js';

const COLUMNS: (keyof ScenarioFigures)[] = ['uploadsSent', 'acknowledged', 'resent', 'refused', 'expected', 'found', 'lost', 'duplicated', 'faults', 'hostileTried', 'hostileRefused'];

/**
 * Vitest global setup: gives the reliability scenarios a file to record their figures in and,
 * when the run ends, prints them as one table. Any lost or duplicated sighting makes the run fail
 * here as well as in its own test.
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-reliability-'));
  const file = join(dir, 'figures.jsonl');
  project.provide('reliabilitySummaryFile', file);
  return () => {
    const rows: ScenarioFigures[] = existsSync(file)
      ? readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
      : [];
    rmSync(dir, { recursive: true, force: true });
    if (rows.length === 0) return;
    const total = Object.fromEntries(COLUMNS.map((column) => [column, rows.reduce((sum, row) => sum + Number(row[column]), 0)]));
    const table = [...rows, { scenario: 'TOTAL', ...total } as ScenarioFigures];
    const width = Math.max(...table.map((row) => row.scenario.length));
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(width) : cell.padStart(Math.max(COLUMNS[i - 1].length, 6)))).join('  ');
    const out = ['', 'Reliability summary', line(['scenario', ...COLUMNS]), ...table.map((row) => line([row.scenario, ...COLUMNS.map((column) => String(row[column]))]))];
    process.stdout.write(`${out.join('\n')}\n\n`);
    if (Number(total.lost) > 0 || Number(total.duplicated) > 0) {
      process.stdout.write(`FAILED: ${total.lost} sightings lost, ${total.duplicated} duplicated\n`);
      process.exitCode = 1;
    }
  };
}
