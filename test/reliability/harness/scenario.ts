import { expect } from 'vitest';
import { Cluster } from './cluster.js';
import { Ledger } from './ledger.js';
import { allConsolidated, reconcile } from './reconcile.js';
import { DeviceCredentials, Door, SendOptions, SimulatedDevice } from './simulated-device.js';
import { recordScenario, ScenarioFigures } from './summary.js';

export interface Load {
  devices: DeviceCredentials[];
  door: Door;
  filesPerDevice: number;
  sightingsPerFile: number;
  send?: SendOptions;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a load of simulated devices while `fault` does its damage, waits for every committed
 * batch to be consolidated, reconciles the database against what the devices were told, records
 * the figures and fails the test on any loss or duplicate. `fault` returns how many faults it injected.
 */
export async function underFault(name: string, cluster: Cluster, load: Load, fault: () => Promise<number>): Promise<{ figures: ScenarioFigures; ledger: Ledger }> {
  const ledger = new Ledger();
  const devices = load.devices.map((credentials, i) => new SimulatedDevice(`dev${i}`, credentials, load.door, ledger));
  const [faults] = await Promise.all([fault(), ...devices.map((device) => device.sendFiles(load.filesPerDevice, load.sightingsPerFile, load.send))]);
  await allConsolidated(cluster.store);
  const reconciliation = await reconcile(cluster.store, ledger);
  const figures = recordScenario(name, { ledger, reconciliation, faults });
  expect(faults, 'the fault was injected').toBeGreaterThan(0);
  expect({ lost: reconciliation.lost, duplicated: reconciliation.duplicated, unexpected: reconciliation.unexpected }).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
  expect(reconciliation.expected).toBe(load.devices.length * load.filesPerDevice * load.sightingsPerFile - ledger.refused * load.sightingsPerFile);
  expect(cluster.leakedSecrets(), 'secrets in the logs').toEqual([]);
  return { figures, ledger };
}
