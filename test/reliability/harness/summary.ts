import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';
import { Ledger } from './ledger.js';
import { Reconciliation } from './reconcile.js';

export interface ScenarioFigures {
  scenario: string;
  uploadsSent: number;
  acknowledged: number;
  resent: number;
  refused: number;
  expected: number;
  found: number;
  lost: number;
  duplicated: number;
  faults: number;
  hostileTried: number;
  hostileRefused: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    reliabilitySummaryFile: string;
  }
}

/** Adds a scenario's figures to the run's summary (printed by summary.global.ts at the end). */
export function recordScenario(scenario: string, figures: Partial<Omit<ScenarioFigures, 'scenario'>> & { ledger?: Ledger; reconciliation?: Reconciliation }): ScenarioFigures {
  const { ledger, reconciliation, ...rest } = figures;
  const row: ScenarioFigures = {
    scenario,
    uploadsSent: ledger?.attempts ?? 0,
    acknowledged: ledger?.acknowledged ?? 0,
    resent: ledger?.resent ?? 0,
    refused: ledger?.refused ?? 0,
    expected: reconciliation?.expected ?? 0,
    found: reconciliation?.found ?? 0,
    lost: reconciliation?.lost ?? 0,
    duplicated: (reconciliation?.duplicated ?? 0) + (reconciliation?.unexpected ?? 0),
    faults: 0,
    hostileTried: 0,
    hostileRefused: 0,
    ...rest,
  };
  appendFileSync(inject('reliabilitySummaryFile'), `${JSON.stringify(row)}\n`);
  return row;
}
