import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { FieldSyncProcess } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { freePort, StopWaiting, waitFor } from './support/ports.js';
import { fieldSyncSite } from './support/suite.js';

const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
// The remote site runs on this machine: the operator allows private targets.
const ENV = { FIELDSYNC_SECRET_KEY: SECRET_KEY, PULL_SETTLE_MS: '300', SOURCE_ALLOW_PRIVATE_NETWORKS: 'true' };

/**
 * Debian's pyftpdlib as the remote FTP site a project pulls from, on a control port and 20 passive
 * ports below Linux's ephemeral range (32768+), where the many client connections of other suites
 * cannot be holding them; tried again on other ports if it cannot bind.
 */
async function startRemoteFtp(root: string): Promise<{ server: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 450) * 21;
    const server = spawn('/usr/bin/python3', ['-m', 'pyftpdlib', '-i', '127.0.0.1', '-p', String(port), '-d', root, '-u', 'ranger', '-P', 'right-password', '-w', '-r', `${port + 1}-${port + 20}`], {
      stdio: 'ignore',
    });
    try {
      await waitFor(
        'pyftpdlib',
        async () => {
          if (server.exitCode !== null) throw new StopWaiting(`pyftpdlib exited with ${server.exitCode}`);
          const net = await import('node:net');
          return new Promise<boolean>((resolve) => {
            const socket = net.connect(port, '127.0.0.1', () => {
              socket.destroy();
              resolve(true);
            });
            socket.on('error', () => resolve(false));
          });
        },
        10_000,
      );
      return { server, port };
    } catch (error) {
      server.kill('SIGKILL');
      if (attempt === 5) throw error;
    }
  }
}

describe("pull sources: a project's download settings against a real FTP site (PostgreSQL)", () => {
  const site = fieldSyncSite('postgres');
  let server: FieldSyncProcess;
  let admin: AdminClient;
  let remote: ChildProcess;
  let remoteRoot: string;
  let remotePort: number;
  let sourceId: string;

  const pullBatches = () => site.store.count('batch', `door = 'pull'`);

  beforeAll(async () => {
    remoteRoot = mkdtempSync(join(tmpdir(), 'fieldsync-remote-'));
    mkdirSync(join(remoteRoot, 'CTData'));
    copyFileSync('test/fixtures/cybertracker/Market_Research_Smiley_Interface.CTX', join(remoteRoot, 'CTData', 'market.CTX'));
    writeFileSync(join(remoteRoot, 'CTData', 'first.geojson'), featureCollection([feature(), feature()]));
    ({ server: remote, port: remotePort } = await startRemoteFtp(remoteRoot));
    server = await site.start({ env: ENV });
    admin = new AdminClient(server.baseUrl);
    await admin.createProject('kruger');
  });

  afterAll(() => {
    remote?.kill();
    rmSync(remoteRoot, { recursive: true, force: true });
  });

  async function runAndWait(expectedBatches: number) {
    await admin.expect(202, 'POST', `/api/v1/projects/kruger/sources/${sourceId}/run`);
    await waitFor(`${expectedBatches} pulled batches`, async () => (await pullBatches()) >= expectedBatches, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }

  it('stores the password encrypted and pulls the files into the project', async () => {
    const source = await admin.expect(201, 'POST', '/api/v1/projects/kruger/sources', {
      url: `ftp://127.0.0.1:${remotePort}/CTData`,
      username: 'ranger',
      password: 'right-password',
      everyMinutes: 60,
    });
    sourceId = source.id;
    expect(source).not.toHaveProperty('secretEncrypted');
    expect(source.hasPassword).toBe(true);
    const stored = await site.store.query<{ secret_encrypted: string }>(`SELECT secret_encrypted FROM source WHERE id = '${sourceId}'`);
    expect(stored[0].secret_encrypted).not.toContain('right-password');
    expect(await admin.expect(200, 'POST', `/api/v1/projects/kruger/sources/${sourceId}/test`)).toEqual({ ok: true, files: 2 });

    await runAndWait(2);
    await waitFor('sightings', async () => (await admin.allSightings('kruger')).length === 13 + 2, 30_000);
    expect(await pullBatches()).toBe(2);
  });

  it('picks up a file added later, and takes nothing twice, also after a restart and with two consolidators', async () => {
    writeFileSync(join(remoteRoot, 'CTData', 'later.geojson'), featureCollection([feature()]));
    await runAndWait(3);
    expect(await pullBatches()).toBe(3);

    await server.stop();
    server = await site.start({ env: ENV });
    await site.start({ roles: 'consolidator', env: ENV });
    admin = new AdminClient(server.baseUrl);
    writeFileSync(join(remoteRoot, 'CTData', 'last.geojson'), featureCollection([feature()]));
    await Promise.all(Array.from({ length: 4 }, () => admin.expect(202, 'POST', `/api/v1/projects/kruger/sources/${sourceId}/run`)));
    await waitFor('the last file', async () => (await pullBatches()) >= 4, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await pullBatches()).toBe(4);
    expect(await site.store.count('source_file', `status = 'ingested'`)).toBe(4);
    expect((await admin.allSightings('kruger')).length).toBe(13 + 2 + 1 + 1);
  });

  it('keeps a distinct, readable error for a wrong password, a host that is down and a missing folder', async () => {
    const banner = createServer((socket) => socket.end('421 internal-banner: db01.corp version 9.1\r\n'));
    await new Promise<void>((resolve) => banner.listen(0, '127.0.0.1', resolve));
    const bannerPort = (banner.address() as AddressInfo).port;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: `ftp://127.0.0.1:${remotePort}/CTData`, username: 'ranger', password: 'wrong' }, /^login incorrect/],
      [{ url: `ftp://127.0.0.1:${await freePort()}/CTData`, username: 'ranger', password: 'x' }, /^connection refused/],
      [{ url: `ftp://127.0.0.1:${remotePort}/NoSuchFolder`, username: 'ranger', password: 'right-password' }, /^folder missing/],
      [{ url: 'ftp://no-such-host.invalid/CTData', username: 'ranger', password: 'x' }, /^host not found/],
      // Another service that answers with its own text: the admin is told it refused, not what it said.
      [{ url: `ftp://127.0.0.1:${bannerPort}/CTData`, username: 'ranger', password: 'x' }, /^the FTP server at ftp:\/\/127\.0\.0\.1:\d+ refused \(reply 421\)$/],
    ];
    for (const [settings, reason] of cases) {
      const source = await admin.expect(201, 'POST', '/api/v1/projects/kruger/sources', { ...settings, everyMinutes: 60 });
      const test = await admin.expect(200, 'POST', `/api/v1/projects/kruger/sources/${source.id}/test`);
      expect(test.ok).toBe(false);
      expect(test.error).toMatch(reason);
      expect(test.error).not.toMatch(/internal-banner/);
      await admin.expect(202, 'POST', `/api/v1/projects/kruger/sources/${source.id}/run`);
      await waitFor(
        'the error on the source',
        async () => {
          const { sources } = await admin.expect(200, 'GET', '/api/v1/projects/kruger/sources');
          return reason.test(sources.find((s: any) => s.id === source.id)?.lastError ?? '');
        },
        30_000,
      );
      await admin.expect(204, 'DELETE', `/api/v1/projects/kruger/sources/${source.id}`);
    }
    banner.close();
  });
});
