import { execFileSync, spawnSync } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { curl } from './support/curl.js';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from './support/fieldsync-process.js';
import { PrivateRedis } from './support/redis-server.js';
import { feature, featureCollection } from './support/geojson.js';
import { freePorts, waitFor } from './support/ports.js';
import { fieldSyncSite } from './support/suite.js';

const MAIN = resolve(import.meta.dirname, '../dist/src/main.js');

function startExpectingFailure(env: Record<string, string>): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [MAIN], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('start-up', () => {
  const site = fieldSyncSite('sqlite');

  it.each([
    ['HTTP_PORT', 'eighty'],
    ['MAX_UPLOAD_BYTES', 'lots'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['FIELDSYNC_ROLES', 'gateway,toaster'],
    ['HOST', 'every address'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    ['HEALTH_PORT', 'ninety'],
  ])('stops with a message naming %s when it is bad', (variable, value) => {
    const result = startExpectingFailure({ ...site.store.env, [variable]: value });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(new RegExp(`^FieldSync cannot start: ${variable}: `));
  });

  it('stops with one sentence, no stack trace, for a database it cannot reach, a port in use and a missing shared folder', async () => {
    const unreachable = startExpectingFailure({ ...site.store.env, DATABASE_URL: 'postgres://fieldsync@127.0.0.1:1/none' });
    expect(unreachable.status).toBe(78);
    expect(unreachable.stderr).toMatch(/^FieldSync cannot start: DATABASE_URL: connection refused at postgres:\/\/…@127\.0\.0\.1:1\/none/);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const inUse = startExpectingFailure({ ...site.store.env, HTTP_PORT: String(port), FTP_PORT: '0' });
      expect(inUse.status).toBe(78);
      expect(inUse.stderr).toMatch(new RegExp(`^FieldSync cannot start: HTTP_PORT: port ${port} on 0\\.0\\.0\\.0 is already in use`));
      expect(inUse.stdout).not.toMatch(/successfully started/);
    } finally {
      busy.close();
    }
    const missing = startExpectingFailure({ ...site.store.env, HTTP_PORT: '0', FTP_PORT: '0', FILESHARE_DIRS: '/nonexistent/share=kruger' });
    expect(missing.status).toBe(78);
    expect(missing.stderr).toMatch(/^FieldSync cannot start: FILESHARE_DIRS: \/nonexistent\/share does not exist or is not a folder/);
  });

  it('answers health checks on HEALTH_PORT in a container without the gateway, saying when Redis is away', async () => {
    const store = await StoreUnderTest.create('sqlite');
    const redis = await PrivateRedis.start();
    // Chosen together with the process's own ports, so none of them is the same.
    const [healthPort, port, ftpPort] = await freePorts(3);
    const consolidator = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'consolidator', port, ftpPort, env: { HEALTH_PORT: String(healthPort) } });
    try {
      const base = `http://127.0.0.1:${healthPort}`;
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', mode: 'queue', database: { status: 'ok' }, redis: { status: 'ok' } });
      expect((await fetch(`${base}/api/v1/projects`)).status).toBe(404);
      await redis.stop();
      const away = await fetch(`${base}/health/ready`);
      expect(away.status).toBe(503);
      expect(((await away.json()) as { redis: { error: string } }).redis.error).toMatch(/not reachable at redis:/);
    } finally {
      await consolidator.stop();
      await redis.stop().catch(() => undefined);
      await store.destroy();
    }
  });

  // Four rounds of five processes starting at once: on a machine busy with other work that takes
  // minutes, so the test waits for the processes (each start waits for its own "started" line), not for a time.
  it('starts five processes at once on one new SQLite file, each migration run once', { timeout: 600_000 }, async () => {
    // Separate processes each decide what to migrate: without one lock over the decision, two ran
    // the same ALTER TABLE ("duplicate column name") and one exited.
    for (let round = 0; round < 4; round++) {
      const store = await StoreUnderTest.create('sqlite');
      const redis = await PrivateRedis.start();
      try {
        const processes = await Promise.all(Array.from({ length: 5 }, () => FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'consolidator', env: {} })));
        const ran = await store.query<{ name: string; runs: number }>('SELECT name, COUNT(*) AS runs FROM migrations GROUP BY name');
        expect(ran.every((migration) => Number(migration.runs) === 1)).toBe(true);
        expect(ran.length).toBeGreaterThanOrEqual(8);
        await Promise.all(processes.map((process) => process.stop()));
      } finally {
        await redis.stop();
        await store.destroy();
      }
    }
  });

  it('serves /metrics only to the METRICS_TOKEN bearer when one is set', async () => {
    const token = 'metrics-scraper-token-0123456789';
    const server = await site.start({ roles: 'gateway', env: { METRICS_TOKEN: token } });
    try {
      const refused = await fetch(`${server.baseUrl}/metrics`);
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain('METRICS_TOKEN');
      expect((await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
      const served = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(served.status).toBe(200);
      expect(await served.text()).toContain('fieldsync_batches_received_total');
    } finally {
      await server.stop();
    }
  });

  it('names TLS_CERT when the certificate file cannot be read', () => {
    const result = startExpectingFailure({ ...site.store.env, TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/TLS_CERT: cannot read "\/nonexistent\/cert.pem"/);
  });

  it('serves HTTPS with a self-signed certificate when TLS_CERT and TLS_KEY are set', async () => {
    const cert = join(site.store.dataDir, 'cert.pem');
    const key = join(site.store.dataDir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    const server = await site.start({ env: { TLS_CERT: cert, TLS_KEY: key, FTP_REQUIRE_TLS: 'true' } });
    const https = `https://127.0.0.1:${server.port}`;
    const project = await curl([
      '--cacert',
      cert,
      '-H',
      `Authorization: Bearer ${ADMIN_TOKEN}`,
      '-H',
      'content-type: application/json',
      '-d',
      '{"slug":"tls","name":"TLS"}',
      `${https}/api/v1/projects`,
    ]);
    expect(project.status).toBe(201);
    const device = await curl(['--cacert', cert, '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, '-H', 'content-type: application/json', '-d', '{"name":"h"}', `${https}/api/v1/projects/tls/devices`]);
    const upload = await curl(['--cacert', cert, '-u', `${device.body.login}:${device.body.secret}`, '--data-binary', '@-', `${https}/upload`], featureCollection([feature()]));
    expect(upload.status).toBe(202);
    const plain = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${server.port}/health/live`], { encoding: 'utf8' });
    expect(plain.stdout).not.toBe('200');
    // HSTS once the gateway speaks HTTPS.
    expect(spawnSync('curl', ['-sS', '-I', '--cacert', cert, `${https}/health/live`], { encoding: 'utf8' }).stdout).toMatch(/strict-transport-security: max-age=31536000/i);
    // FTP_REQUIRE_TLS: the device's secret is never taken over plain FTP; FTPS logs in.
    const plainFtp = spawnSync('curl', ['-sS', '--list-only', '--user', `${device.body.login}:${device.body.secret}`, `ftp://127.0.0.1:${server.ftpPort}/`], { encoding: 'utf8' });
    expect(plainFtp.status).not.toBe(0);
    const ftps = spawnSync('curl', ['-sS', '--list-only', '--ssl-reqd', '--cacert', cert, '--user', `${device.body.login}:${device.body.secret}`, `ftp://127.0.0.1:${server.ftpPort}/`], {
      encoding: 'utf8',
    });
    expect(ftps.status).toBe(0);
    expect(ftps.stdout).toContain('CTData');
  });

  it('listens on HOST only, and takes FTP on port 21 for classic CyberTracker devices that ignore the port in their URL', async () => {
    // As root (CI and this machine), port 21 can be bound; elsewhere use CAP_NET_BIND_SERVICE or map 21 to 2121 (docker-compose.yml).
    const bound = await site.start({ ftpPort: 21, env: { HOST: '127.0.0.3' } });
    try {
      expect(bound.logs).toMatch(/listening on http:\/\/127\.0\.0\.3:/);
      const here = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.3:${bound.port}/health/live`], { encoding: 'utf8' });
      expect(here.stdout).toBe('200');
      const elsewhere = spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${bound.port}/health/live`], { encoding: 'utf8' });
      expect(elsewhere.stdout).toBe('000');
      // The classic engine's FTP path: ftp://host/… with no port, so 21.
      const listing = spawnSync('curl', ['-sS', '--list-only', 'ftp://127.0.0.3/', '-u', 'nobody:wrong'], { encoding: 'utf8' });
      expect(listing.stderr).toMatch(/530|Access denied|Login denied/i);
    } finally {
      await bound.stop();
    }
  });

  it('prints a first-start admin token in a box, without the route table and without colours when not on a terminal', async () => {
    const first = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: '', DATA_DIR: `${site.store.dataDir}/first-start` } });
    const boxed = /┌─+┐\n│ FieldSync admin token[^\n]*│\n│ +│\n│ (\S+) +│\n└─+┘/.exec(first.logs);
    expect(boxed, first.logs).not.toBeNull();
    expect(first.logs).not.toMatch(/Mapped \{/);
    expect(first.logs).not.toMatch(/\u001b\[/);
    // The token printed is the one that works.
    const answer = await fetch(`${first.baseUrl}/api/v1/projects`, { headers: { authorization: `Bearer ${boxed![1]}` } });
    expect(answer.status).toBe(200);
    // An event with fields is one line, not an object spread over several.
    const refused = await fetch(`${first.baseUrl}/upload`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('nobody:wrong').toString('base64')}` }, body: '{}' });
    expect(refused.status).toBe(401);
    await waitFor('the refused login in the log', async () => first.logs.includes('device login refused'));
    const line = first.logs.split('\n').find((text) => text.includes('device login refused'));
    expect(line).toMatch(/device login refused.*login: 'nobody'.*failures: 1/);
    await first.stop();
  });

  it('keeps one bootstrap token: the variable replaces a printed one, and removing the variable retires its value', async () => {
    const dataDir = `${site.store.dataDir}/bootstrap-rules`;
    const statusWith = async (server: { baseUrl: string }, token: string) => (await fetch(`${server.baseUrl}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } })).status;
    const printedToken = (logs: string) => /│ (\S{20,}) +│/.exec(logs)?.[1];

    const first = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: '', DATA_DIR: dataDir } });
    const printed = printedToken(first.logs)!;
    await first.stop();

    const chosen = 'a-token-the-operator-chose-0123456789';
    const withVariable = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: chosen, DATA_DIR: dataDir } });
    expect(withVariable.logs).toContain('the one printed at an earlier start no longer works');
    expect(await statusWith(withVariable, printed)).toBe(401);
    expect(await statusWith(withVariable, chosen)).toBe(200);
    await withVariable.stop();

    const withoutVariable = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: '', DATA_DIR: dataDir } });
    expect(withoutVariable.logs).toContain('FIELDSYNC_ADMIN_TOKEN is no longer set: its value no longer works');
    const printedAgain = printedToken(withoutVariable.logs)!;
    expect(printedAgain).not.toBe(printed);
    expect(await statusWith(withoutVariable, chosen)).toBe(401);
    expect(await statusWith(withoutVariable, printedAgain)).toBe(200);
    await withoutVariable.stop();

    // A restart without the variable keeps the printed token, and prints nothing.
    const again = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: '', DATA_DIR: dataDir } });
    expect(printedToken(again.logs)).toBeUndefined();
    expect(await statusWith(again, printedAgain)).toBe(200);
    await again.stop();

    // A start that fails (here a missing shared folder) changes no token: not the variable's, not a printed one.
    const withChosen = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: chosen, DATA_DIR: dataDir } });
    await withChosen.stop();
    const failed = startExpectingFailure({ ...site.store.env, DATA_DIR: dataDir, HTTP_PORT: '0', FTP_PORT: '0', FILESHARE_DIRS: '/nonexistent/share=kruger' });
    expect(failed.status).toBe(78);
    expect(printedToken(failed.stdout)).toBeUndefined();
    const afterFailure = await site.start({ env: { FIELDSYNC_ADMIN_TOKEN: chosen, DATA_DIR: dataDir } });
    expect(afterFailure.logs).not.toContain('no longer works');
    expect(await statusWith(afterFailure, chosen)).toBe(200);
    await afterFailure.stop();
  });
});
