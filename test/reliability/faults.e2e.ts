import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from '../support/private-postgres.js';
import { waitFor } from '../support/ports.js';
import { Cluster } from './harness/cluster.js';
import { sleep, underFault } from './harness/scenario.js';

/**
 * Faults injected into real processes while simulated devices keep sending: every acknowledged
 * sighting must be in the database exactly once, and every unacknowledged file, sent again as a
 * real client does, too.
 */
describe('faults', { timeout: 300_000 }, () => {
  let postgres: PrivatePostgres;
  let cluster: Cluster | undefined;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start();
  });
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });
  afterAll(async () => {
    await postgres?.destroy();
  });

  it('kill -9 of the consolidators mid-batch', async () => {
    cluster = await Cluster.start({ postgres, gateways: 1, consolidators: 2, env: { CONSOLIDATOR_CONCURRENCY: '2' } });
    const c = cluster;
    const devices = await c.createProject('kill-consolidator', 8);
    await underFault('consolidator kill -9 mid-batch', c, { devices, door: { kind: 'http', baseUrls: () => c.gatewayUrls() }, filesPerDevice: 4, sightingsPerFile: 1500 }, async () => {
      let faults = 0;
      for (let round = 0; round < 3; round++) {
        await waitFor('a batch being merged', async () => (await c.store.count('batch', "status = 'processing'")) > 0, 60_000, 20);
        const victims = [...c.consolidators];
        await Promise.all(victims.map((victim) => c.crashAndRestart(victim, 500)));
        faults += victims.length;
      }
      return faults;
    });
  });

  it('Redis stopped for 10 s and restarted empty', async () => {
    cluster = await Cluster.start({ postgres, gateways: 1, consolidators: 1 });
    const c = cluster;
    const devices = await c.createProject('redis-lost', 10);
    await underFault('Redis down 10 s, restarted empty', c, { devices, door: { kind: 'http', baseUrls: () => c.gatewayUrls() }, filesPerDevice: 8, sightingsPerFile: 200 }, async () => {
      await sleep(1500);
      await c.redis.stop();
      await sleep(10_000);
      await c.redis.resume();
      return 1;
    });
  });

  it('PostgreSQL restarted mid-run', async () => {
    cluster = await Cluster.start({ postgres, gateways: 1, consolidators: 2 });
    const c = cluster;
    const devices = await c.createProject('postgres-restart', 10);
    const { ledger } = await underFault('PostgreSQL crash + restart', c, { devices, door: { kind: 'http', baseUrls: () => c.gatewayUrls() }, filesPerDevice: 10, sightingsPerFile: 200 }, async () => {
      await sleep(1500);
      await postgres.halt('immediate');
      await sleep(5000);
      await postgres.resume();
      return 1;
    });
    expect(ledger.resent, 'some uploads met the outage').toBeGreaterThan(0);
  });

  it('a gateway killed with uploads in flight', async () => {
    cluster = await Cluster.start({ postgres, gateways: 2, consolidators: 1 });
    const c = cluster;
    const devices = await c.createProject('kill-gateway', 10);
    const { ledger } = await underFault('gateway kill -9, uploads in flight', c, { devices, door: { kind: 'http', baseUrls: () => c.gatewayUrls() }, filesPerDevice: 3, sightingsPerFile: 2000, send: { limitRate: '400k' } }, async () => {
      await sleep(2000);
      await c.crashAndRestart(c.gateways[0], 1000);
      await sleep(2500);
      await c.crashAndRestart(c.gateways[1], 1000);
      return 2;
    });
    expect(ledger.resent, 'some uploads were cut off').toBeGreaterThan(0);
  });

  it('the FTP server killed mid-STOR', async () => {
    cluster = await Cluster.start({ postgres, gateways: 1, ftpIngest: 1, consolidators: 1 });
    const c = cluster;
    const devices = await c.createProject('kill-ftp', 8);
    const { ledger } = await underFault('FTP ingest kill -9 mid-STOR', c, { devices, door: { kind: 'ftp', port: () => c.ftpIngest[0].ftpPort }, filesPerDevice: 3, sightingsPerFile: 2000, send: { limitRate: '400k' } }, async () => {
      await sleep(2000);
      await c.crashAndRestart(c.ftpIngest[0], 1000);
      await sleep(2500);
      await c.crashAndRestart(c.ftpIngest[0], 1000);
      return 2;
    });
    expect(ledger.resent, 'some uploads were cut off').toBeGreaterThan(0);
  });
});
