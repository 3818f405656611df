import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FieldSyncProcess } from '../support/fieldsync-process.js';
import { PrivatePostgres } from '../support/private-postgres.js';
import { waitFor } from '../support/ports.js';
import { Cluster } from './harness/cluster.js';
import { Ledger } from './harness/ledger.js';
import { files, sleep, underFault } from './harness/scenario.js';
import { sha256 } from '../support/digest.js';

/**
 * Two kill -9s while uploads are in flight (2 s in, then 2.5 s later), each victim back on its
 * ports a second after; `victim` is looked up at each round, as a restart replaces the process.
 */
function crashTwiceMidUpload(c: Cluster, victim: (round: number) => FieldSyncProcess): () => Promise<number> {
  return async () => {
    for (const [round, delayMs] of [2000, 2500].entries()) {
      await sleep(delayMs);
      await c.crashAndRestart(victim(round), 1000);
    }
    return 2;
  };
}

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
    const project = 'kill-consolidator';
    const devices = await c.createProject(project, 8);
    await underFault('consolidator kill -9 mid-batch', c, { project, devices, door: c.httpDoor, files: files(4, 1500) }, async () => {
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
    const project = 'redis-lost';
    const devices = await c.createProject(project, 10);
    let acknowledgedWhileDown = 0;
    await underFault('Redis down 10 s, restarted empty', c, { project, devices, door: c.httpDoor, files: files(15, 200), send: { pauseMs: 1000 } }, async (ledger) => {
      await sleep(1500);
      await c.redis!.stop();
      const before = ledger.acknowledged;
      await sleep(10_000);
      acknowledgedWhileDown = ledger.acknowledged - before;
      await c.redis!.resume();
      return 1;
    });
    expect(acknowledgedWhileDown, 'uploads are taken while Redis is away').toBeGreaterThan(0);
  });

  it('PostgreSQL crashed mid-run and back after 35 s', async () => {
    cluster = await Cluster.start({ postgres, gateways: 1, consolidators: 2 });
    const c = cluster;
    const project = 'postgres-restart';
    const devices = await c.createProject(project, 10);
    // Small files (merged in the upload's own transaction) and larger ones (queued for the
    // consolidators, ~330 KB: over INLINE_MERGE_MAX_BYTES) alternate, so the crash hits both paths.
    const mixed = Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? 200 : 1000));
    const { ledger } = await underFault('PostgreSQL crash + restart', c, { project, devices, door: c.httpDoor, files: mixed }, async () => {
      // The path this asserts needs a queued batch when the database goes: the consolidators are
      // held until one is waiting (a condition, not a time), then meet the outage with it.
      for (const consolidator of c.consolidators) consolidator.pause();
      try {
        await waitFor('a queued batch', async () => (await c.store.count('batch', `status = 'received'`)) > 0, 120_000);
        await postgres.halt('immediate');
      } finally {
        for (const consolidator of c.consolidators) consolidator.resume();
      }
      // Longer than the consolidator's five attempts (2 + 4 + 8 + 16 s of back-off).
      await sleep(35_000);
      await postgres.resume();
      return 1;
    });
    expect(ledger.otherAnswers.get(503), 'uploads during the outage were told to come back').toBeGreaterThan(0);
    expect(c.logs).toContain('batch kept for a later attempt');
  });

  it('a gateway killed with uploads in flight', async () => {
    cluster = await Cluster.start({ postgres, gateways: 2, consolidators: 1 });
    const c = cluster;
    const project = 'kill-gateway';
    const devices = await c.createProject(project, 10);
    const { ledger } = await underFault(
      'gateway kill -9, uploads in flight',
      c,
      { project, devices, door: c.httpDoor, files: files(3, 2000), send: { limitRate: '400k' } },
      crashTwiceMidUpload(c, (round) => c.gateways[round]),
    );
    expect(ledger.resent, 'some uploads were cut off').toBeGreaterThan(0);
  });

  it('a gateway killed inside group commits of small uploads, merged at upload', async () => {
    cluster = await Cluster.start({ postgres, gateways: 2, consolidators: 1 });
    const c = cluster;
    const project = 'kill-group-commit';
    const devices = await c.createProject(project, 16);
    // Small files back to back: each is committed in a group with others and merged in that same
    // transaction; a kill lands inside such groups. Acknowledged must be in, the rest resent whole.
    const { ledger } = await underFault(
      'gateway kill -9 inside group commits of small uploads',
      c,
      { project, devices, door: c.httpDoor, files: files(60, 5) },
      crashTwiceMidUpload(c, (round) => c.gateways[round]),
    );
    expect(ledger.resent, 'some uploads were cut off').toBeGreaterThan(0);
  });

  it.each(['sqlite', 'postgres'] as const)('embedded mode (one process, no Redis) killed mid-upload and mid-merge, on %s', async (store) => {
    cluster = await Cluster.start({ embedded: true, store, postgres });
    const c = cluster;
    const project = `kill-embedded-${store}`;
    const devices = await c.createProject(project, 8);
    const { ledger } = await underFault(
      `embedded kill -9, uploads in flight (${store})`,
      c,
      { project, devices, door: c.httpDoor, files: files(3, 2000), send: { limitRate: '400k' } },
      crashTwiceMidUpload(c, () => c.gateways[0]),
    );
    expect(ledger.resent, 'some uploads were cut off').toBeGreaterThan(0);
  });

  /** Two kill -9s of the FTP server while devices send 3 files of 2,000 sightings each over FTP, slowed. */
  async function ftpKilledMidStor(scenario: string, project: string, env: Record<string, string> = {}): Promise<Cluster> {
    cluster = await Cluster.start({ postgres, gateways: 1, ftpIngest: 1, consolidators: 1, env });
    const c = cluster;
    const devices = await c.createProject(project, 8);
    const { ledger } = await underFault(
      scenario,
      c,
      { project, devices, door: c.ftpDoor, files: files(3, 2000), send: { limitRate: '400k' } },
      crashTwiceMidUpload(c, () => c.ftpIngest[0]),
    );
    expect(ledger.resent, 'some uploads were cut off').toBeGreaterThan(0);
    return c;
  }

  it('the FTP server killed mid-STOR', async () => {
    await ftpKilledMidStor('FTP ingest kill -9 mid-STOR', 'kill-ftp');
  });

  it('the FTP server killed mid-STOR, files kept in BLOB_DIR', async () => {
    const c = await ftpKilledMidStor('FTP ingest kill -9 mid-STOR, BLOB_DIR', 'kill-ftp-blob-dir', { BLOB_DIR: 'blobs' });
    // Every file the database names is whole in the folder (the merges above read them); what the kills left, no row names.
    const inFiles = await c.store.query<{ id: string; sha256: string }>(`SELECT id, sha256 FROM blob WHERE storage = 'file'`);
    // A file committed but not acknowledged (killed between the two) is sent again: its batches share one blob.
    const [{ n: blobsOfBatches }] = await c.store.query<{ n: number | string }>(`SELECT COUNT(DISTINCT b.blob_id) AS n FROM batch b JOIN blob f ON f.id = b.blob_id AND f.storage = 'file'`);
    expect(inFiles.length).toBe(Number(blobsOfBatches));
    expect(await c.store.count('batch', "blob_id NOT IN (SELECT id FROM blob WHERE storage = 'file')")).toBe(0);
    for (const blob of inFiles) expect(sha256(readFileSync(join(c.store.dataDir, 'blobs', blob.id.slice(0, 2), blob.id))), blob.id).toBe(blob.sha256);
  });

  it('uploads over MAX_UPLOAD_BYTES', async () => {
    cluster = await Cluster.start({ postgres, gateways: 1, ftpIngest: 1, consolidators: 1, env: { MAX_UPLOAD_BYTES: '200kb' } });
    const c = cluster;
    const [http, ftp] = [await c.createProject('size-limit-http', 4), await c.createProject('size-limit-ftp', 4)];
    // 300 sightings are ~100 KB, 1000 are ~330 KB: every second file is over the limit.
    const sizes = [300, 1000, 300, 1000];
    // The fault is the over-limit files themselves: each is counted once the server has refused it.
    const limit = async (ledger: Ledger) => waitFor('the 8 over-limit files refused', async () => ledger.refused >= 8 && ledger.refused, 120_000);
    await underFault('MAX_UPLOAD_BYTES over HTTP', c, { project: 'size-limit-http', devices: http, door: c.httpDoor, files: sizes, refusals: 8 }, limit);
    const { ledger } = await underFault('MAX_UPLOAD_BYTES over FTP', c, { project: 'size-limit-ftp', devices: ftp, door: c.ftpDoor, files: sizes, refusals: 8 }, limit);
    expect(Object.fromEntries(ledger.otherAnswers)).toEqual({ 552: 8 });
    expect(await c.store.count('batch')).toBe(16);
  });

  it('DATA_DIR full (SQLite on a small file system)', async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'fieldsync-small-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mountPoint]);
    try {
      const dataDir = join(mountPoint, 'data');
      mkdirSync(dataDir);
      cluster = await Cluster.start({ store: 'sqlite', dataDir, gateways: 1, consolidators: 1 });
      const c = cluster;
      const project = 'full-disk';
      const devices = await c.createProject(project, 6);
      const filler = join(mountPoint, 'filler');
      const { ledger } = await underFault('DATA_DIR full, then freed', c, { project, devices, door: c.httpDoor, files: files(5, 500) }, async () => {
        const { bavail, bsize } = statfsSync(mountPoint);
        writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 1024 * 1024)));
        await sleep(4000);
        rmSync(filler);
        return 1;
      });
      expect(ledger.otherAnswers.get(507), 'uploads refused with 507 while the disk was full').toBeGreaterThan(0);
    } finally {
      await cluster?.stop();
      cluster = undefined;
      execFileSync('umount', ['-l', mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});
