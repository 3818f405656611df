import { afterAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from '../support/private-postgres.js';
import { Cluster } from './harness/cluster.js';
import { Ledger } from './harness/ledger.js';
import { allConsolidated, reconcile } from './harness/reconcile.js';
import { SimulatedDevice } from './harness/simulated-device.js';
import { recordScenario } from './harness/summary.js';

const HTTP_DEVICES = 80;
const FTP_DEVICES = 20;
const FILES_PER_DEVICE = 3;
const SIGHTINGS_PER_FILE = 50;

/**
 * Production's shape on one machine: 2 gateways, 1 FTP ingest and 3 consolidators as separate
 * processes on one PostgreSQL and Redis, 100 devices sending at once, and an admin's script
 * paging the feed with its cursor the whole time.
 */
describe('scale-out', { timeout: 600_000 }, () => {
  let postgres: PrivatePostgres;
  let cluster: Cluster;

  afterAll(async () => {
    await cluster?.stop();
    await postgres?.destroy();
  });

  it('100 devices, 2 gateways, 1 FTP ingest, 3 consolidators: nothing lost or doubled, the cursor reader misses nothing', async () => {
    postgres = await PrivatePostgres.start();
    cluster = await Cluster.start({ postgres, gateways: 2, ftpIngest: 1, consolidators: 3 });
    const c = cluster;
    const credentials = await c.createProject('scale-out', HTTP_DEVICES + FTP_DEVICES);
    const ledger = new Ledger();
    const devices = credentials.map((device, i) => new SimulatedDevice(`dev${i}`, device, i < HTTP_DEVICES ? c.httpDoor : c.ftpDoor, ledger));

    let sending = true;
    const seen: { id: string; seq: number; revision: number }[] = [];
    let pages = 0;
    const reader = (async () => {
      const admin = c.admin;
      let after = '0';
      for (;;) {
        const last = !sending;
        const page = await admin.expect(200, 'GET', `/api/v1/projects/scale-out/sightings?after=${after}&limit=250`);
        pages++;
        seen.push(...page.sightings.map((row: { id: string; seq: number; revision: number }) => ({ id: row.id, seq: row.seq, revision: row.revision })));
        after = page.next;
        if (last && page.sightings.length === 0) return;
        if (page.sightings.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await Promise.all(devices.map((device) => device.sendFiles(Array.from({ length: FILES_PER_DEVICE }, () => SIGHTINGS_PER_FILE))));
    await allConsolidated(c.store);
    sending = false;
    await reader;

    const reconciliation = await reconcile(c.store, 'scale-out', ledger);
    const seqs = seen.map((row) => row.seq);

    const seenIds = new Set(seen.map((row) => row.id));
    const readerDuplicates = seen.length - seenIds.size;
    const readerMissed = [...ledger.expectedUids].filter((uid) => !seenIds.has(uid)).length;
    recordScenario('scale-out 2 gw + 1 ftp + 3 cons, 100 devices', { ledger, reconciliation, duplicated: reconciliation.duplicated + reconciliation.unexpected + readerDuplicates });
    console.log(`scale-out: the reader paged ${pages} times and saw ${seen.length} rows; ${readerMissed} missed, ${readerDuplicates} twice`);

    expect({ lost: reconciliation.lost, duplicated: reconciliation.duplicated, unexpected: reconciliation.unexpected }).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(ledger.acknowledged).toBe((HTTP_DEVICES + FTP_DEVICES) * FILES_PER_DEVICE);
    expect(reconciliation.found).toBe((HTTP_DEVICES + FTP_DEVICES) * FILES_PER_DEVICE * SIGHTINGS_PER_FILE);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect({ readerMissed, readerDuplicates }).toEqual({ readerMissed: 0, readerDuplicates: 0 });
    expect(pages, 'the reader paged while devices were sending').toBeGreaterThan(10);
    expect(c.leakedSecrets()).toEqual([]);
  });
});
