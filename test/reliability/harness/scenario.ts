import { expect } from 'vitest';
import { Cluster } from './cluster.js';
import { Ledger } from './ledger.js';
import { allConsolidated, reconcile } from './reconcile.js';
import { DeviceCredentials, Door, SendOptions, SimulatedDevice } from './simulated-device.js';
import { recordScenario, ScenarioFigures } from './summary.js';

export interface Load {
  /** The project (slug) the devices belong to. */
  project: string;
  devices: DeviceCredentials[];
  door: Door;
  /** How many sightings each file a device sends holds, in sending order. */
  files: number[];
  send?: SendOptions;
  /** Files the server should refuse for good (over MAX_UPLOAD_BYTES, say). */
  refusals?: number;
}

/** `count` files of `size` sightings. */
export const files = (count: number, size: number): number[] => Array.from({ length: count }, () => size);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a load of simulated devices while `fault` does its damage, waits for every committed
 * batch to be consolidated, reconciles the database against what the devices were told, records
 * the figures and fails the test on any loss or duplicate. `fault` returns how many faults it injected.
 */
export async function underFault(name: string, cluster: Cluster, load: Load, fault: (ledger: Ledger) => Promise<number>): Promise<{ figures: ScenarioFigures; ledger: Ledger }> {
  const ledger = new Ledger();
  const devices = load.devices.map((credentials, i) => new SimulatedDevice(`dev${i}`, credentials, load.door, ledger));
  const [faults] = await Promise.all([fault(ledger), ...devices.map((device) => device.sendFiles(load.files, load.send))]);
  await allConsolidated(cluster.store);
  const reconciliation = await reconcile(cluster.store, load.project, ledger);
  const figures = recordScenario(name, { ledger, reconciliation, faults });
  if (ledger.otherAnswers.size > 0) console.log(`${name}: answers other than an acknowledgement (status: count)`, Object.fromEntries(ledger.otherAnswers));
  expect(faults, 'the fault was injected').toBeGreaterThan(0);
  expect({ lost: reconciliation.lost, duplicated: reconciliation.duplicated, unexpected: reconciliation.unexpected }).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
  expect(ledger.refused, 'files refused for good').toBe(load.refusals ?? 0);
  expect(ledger.acknowledged).toBe(load.devices.length * load.files.length - ledger.refused);
  expect(cluster.leakedSecrets(), 'secrets in the logs').toEqual([]);
  return { figures, ledger };
}
