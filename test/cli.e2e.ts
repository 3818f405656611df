import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { run } from './support/run.js';
import { fieldSyncSuite } from './support/suite.js';

const CLI = resolve(process.cwd(), 'dist/apps/cli/src/main.js');
const fieldsync = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [CLI, ...args], { env, timeoutMs: 120_000 });
const uid = (f: ReturnType<typeof feature>) => f.properties.id.slice(1, -1).toLowerCase();

describe('the fieldsync command line against a real server', () => {
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-cli-'));
  const share = join(work, 'share');
  mkdirSync(share);
  const suite = fieldSyncSuite('postgres', { env: { FILESHARE_DIRS: `${share}=kruger`, FILESHARE_SCAN_MS: '300' } });
  let device: { id: string; login: string; secret: string };

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function writeGeojson(name: string, features: ReturnType<typeof feature>[]): string {
    const path = join(work, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, featureCollection(features));
    return path;
  }

  it('administers projects, devices and tokens with --json output', async () => {
    const env = { FIELDSYNC_URL: suite.server.baseUrl, FIELDSYNC_TOKEN: ADMIN_TOKEN };
    const project = await fieldsync(['--json', 'admin', 'projects', 'create', 'kruger', 'Kruger 2026'], env);
    expect(project.status, project.stderr).toBe(0);
    expect(JSON.parse(project.stdout)).toMatchObject({ slug: 'kruger' });
    const created = await fieldsync(['--json', 'admin', 'devices', 'create', 'kruger', 'Ranger 7'], env);
    device = JSON.parse(created.stdout);
    expect(device.secret).toBeTruthy();
    const listed = await fieldsync(['admin', 'devices', 'list', 'kruger'], env);
    expect(listed.stdout).toContain(device.login);
    const refused = await fieldsync(['admin', 'projects', 'list'], { FIELDSYNC_URL: suite.server.baseUrl, FIELDSYNC_TOKEN: 'wrong-token' });
    expect(refused.status).toBe(4);

    expect((await fieldsync(['admin', 'projects', 'create', 'scratch', 'A try'], env)).status).toBe(0);
    expect((await fieldsync(['admin', 'projects', 'delete', 'scratch'], env)).status).toBe(2);
    const mistyped = await fieldsync(['admin', 'projects', 'delete', 'scratch', '--confirm', 'kruger'], env);
    expect(mistyped.status).toBe(1);
    expect(mistyped.stderr).toContain('to confirm, repeat its slug (confirm=scratch)');
    const deleted = await fieldsync(['admin', 'projects', 'delete', 'scratch', '--confirm', 'scratch'], env);
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('deleted project scratch: 0 sightings');
    expect((await fieldsync(['admin', 'projects', 'list'], env)).stdout).not.toContain('scratch');
  });

  it('exits with the documented codes: 2 wrong usage, 3 unreachable, 4 refused; host:port is taken as http://', async () => {
    const unknownOption = await fieldsync(['test-connection', 'http://127.0.0.1:9', '--no-such-option']);
    expect(unknownOption.status).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--no-such-option'");
    expect((await fieldsync(['download', '--project', 'kruger'])).status).toBe(2);
    expect((await fieldsync(['--help'])).status).toBe(0);

    const file = writeGeojson('codes.geojson', [feature()]);
    const wrongSecret = await fieldsync(['upload', '--to', suite.server.baseUrl, '--device', `${device.login}:not-the-secret`, '--retries', '0', file]);
    expect(wrongSecret.status, wrongSecret.stderr).toBe(4);
    const down = await fieldsync(['upload', '--to', 'http://127.0.0.1:9', '--device', `${device.login}:${device.secret}`, '--retries', '0', file]);
    expect(down.status, down.stderr).toBe(3);
    const adminDown = await fieldsync(['admin', '--server', 'http://127.0.0.1:9', '--token', ADMIN_TOKEN, 'projects', 'list']);
    expect(adminDown.status, adminDown.stderr).toBe(3);

    const bare = await fieldsync(['admin', '--server', suite.server.baseUrl.replace('http://', ''), '--token', ADMIN_TOKEN, 'projects', 'list']);
    expect(bare.status, bare.stderr).toBe(0);
    expect(bare.stdout).toContain('kruger');
    const ftpServer = await fieldsync(['admin', '--server', 'ftp://127.0.0.1:2121', '--token', ADMIN_TOKEN, 'projects', 'list']);
    expect(ftpServer.status).toBe(2);
    expect(ftpServer.stderr).toContain("must be the gateway's http:// or https:// address");

    const env = { FIELDSYNC_URL: suite.server.baseUrl, FIELDSYNC_TOKEN: ADMIN_TOKEN };
    const badStatus = await fieldsync(['admin', 'batches', 'list', 'kruger', '--status', 'done'], env);
    expect(badStatus.status).toBe(2);
    expect(badStatus.stderr).toContain('received, processing, consolidated, rejected, failed');
    const disabled = await fieldsync(['--json', 'admin', 'devices', 'disable', 'kruger', device.login], env);
    expect(disabled.status, disabled.stderr).toBe(0);
    expect(JSON.parse(disabled.stdout)).toMatchObject({ login: device.login, enabled: false });
    expect((await fieldsync(['admin', 'devices', 'enable', 'kruger', device.login], env)).status).toBe(0);
    expect((await fieldsync(['admin', 'devices', 'enable', 'kruger', 'no-such-login'], env)).stderr).toContain('give its login or id');
  });

  it('uploads over HTTP, FTP and a folder, and every sighting arrives once', async () => {
    const viaHttp = [feature(), feature()];
    const viaFtp = [feature()];
    const viaFolder = [feature()];
    const httpDir = join(work, 'http');
    writeGeojson('http/a.geojson', [viaHttp[0]]);
    writeGeojson('http/b.geojson', [viaHttp[1]]);
    const http = await fieldsync(['upload', '--to', suite.server.baseUrl, '--device', `${device.login}:${device.secret}`, httpDir]);
    expect(http.status, http.stderr).toBe(0);
    const ftp = await fieldsync([
      'upload',
      '--to',
      `ftp://${device.login}:${encodeURIComponent(device.secret)}@127.0.0.1:${suite.server.ftpPort}/CTData`,
      writeGeojson('f.geojson', viaFtp),
      'test/fixtures/cybertracker/Transect_Demo.CTX',
    ]);
    expect(ftp.status, ftp.stderr + ftp.stdout).toBe(0);
    const folder = await fieldsync(['upload', '--to', share, writeGeojson('s.geojson', viaFolder)]);
    expect(folder.status, folder.stderr).toBe(0);
    await waitFor('all sightings', async () => (await suite.admin.allSightings('kruger')).length === 4, 30_000);
    const ids = (await suite.admin.allSightings('kruger')).map((row) => row.id).sort();
    expect(ids).toEqual([...viaHttp, ...viaFtp, ...viaFolder].map(uid).sort());
  });

  it('reports a file the server rejected as failed, with its reason and exit 5; a partly rejected file is sent with a warning', async () => {
    const broken = join(work, 'rejects', 'broken.geojson');
    writeGeojson('rejects/good.geojson', [feature()]);
    mkdirSync(join(work, 'rejects'), { recursive: true });
    writeFileSync(broken, '{"type":"FeatureCollection","features":[{"type":');
    // A project of its own: the download tests below count kruger's sightings.
    await suite.admin.createProject('rejects');
    const sender = await suite.admin.createDevice('rejects');
    const to = ['--to', suite.server.baseUrl, '--device', `${sender.login}:${sender.secret}`];
    const run1 = await fieldsync(['--json', 'upload', ...to, join(work, 'rejects')]);
    expect(run1.status, run1.stderr).toBe(5);
    const report = JSON.parse(run1.stdout.trim().split('\n')[0]!);
    expect(report.sent).toEqual([join(work, 'rejects', 'good.geojson')]);
    expect(report.failed).toEqual([{ file: broken, reason: expect.stringMatching(/the server rejected the file: .+ \(batch [0-9a-f-]{36}\)/), exitCode: 5 }]);
    const human = await fieldsync(['upload', ...to, broken]);
    expect(human.status).toBe(5);
    expect(human.stdout).toMatch(/NOT sent .*broken\.geojson: the server rejected the file/);

    const partly = writeGeojson('rejects-partly.geojson', [feature(), feature({ latitude: 123 })]);
    const sent = await fieldsync(['upload', ...to, partly]);
    expect(sent.status, sent.stderr).toBe(0);
    expect(sent.stderr).toMatch(/1 of 2 records rejected \(batch [0-9a-f-]{36}/);
  });

  it("prints the server's reason for a refused download and exits 2; a mistyped address or a missing folder is said in words", async () => {
    const env = { FIELDSYNC_TOKEN: ADMIN_TOKEN };
    const out = join(work, 'refused.csv');
    const from = ['download', '--from', suite.server.baseUrl, '--project', 'kruger', '--out', out];
    const badDay = await fieldsync([...from, '--observed-from', '2026-13-45'], env);
    expect(badDay.status).toBe(2);
    expect(badDay.stderr).toContain('from must be a day written YYYY-MM-DD');
    const badKind = await fieldsync([...from, '--kind', 'plant'], env);
    expect(badKind.status).toBe(2);
    expect(badKind.stderr).toContain('kind must be one of sighting, waypoint, alert');
    const typo = await fieldsync(['download', '--from', 'htp:/localhost:8080', '--project', 'kruger', '--out', out], env);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('must be the gateway');
    const nowhere = await fieldsync(['download', '--from', suite.server.baseUrl, '--project', 'kruger', '--out', join(work, 'no', 'such', 'folder', 'k.csv')], env);
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/the folder of --out, .*no\/such\/folder, does not exist/);
  });

  it('downloads twice to CSV and GeoJSON: the second run adds only what changed, revisions and deletions included', async () => {
    const env = { FIELDSYNC_TOKEN: ADMIN_TOKEN };
    const csv = join(work, 'kruger.csv');
    const geojson = join(work, 'kruger.geojson');
    for (const out of [csv, geojson]) {
      const first = await fieldsync(['download', '--from', suite.server.baseUrl, '--project', 'kruger', '--out', out], env);
      expect(first.status, first.stderr).toBe(0);
    }
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1 + 4);
    expect(JSON.parse(readFileSync(geojson, 'utf8')).features).toHaveLength(4);

    const rows = await suite.admin.allSightings('kruger');
    const [edited, removed] = rows;
    const fresh = feature();
    const change = [
      feature({ id: edited.id, count: 99, latitude: edited.latitude, longitude: edited.longitude }),
      { ...feature({ id: removed.id }), properties: { ...feature({ id: removed.id }).properties, deleted: true } },
      fresh,
    ];
    const sent = await fieldsync(['upload', '--to', suite.server.baseUrl, '--device', `${device.login}:${device.secret}`, writeGeojson('change.geojson', change)]);
    expect(sent.status, sent.stderr).toBe(0);
    await waitFor('the change consolidated', async () => (await suite.admin.allSightings('kruger', '&includeDeleted=true')).some((row) => row.id === uid(fresh)), 30_000);

    for (const out of [csv, geojson]) {
      const second = await fieldsync(['download', '--from', suite.server.baseUrl, '--project', 'kruger', '--out', out], env);
      expect(second.status, second.stderr).toBe(0);
    }
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 4 + 3);
    expect(lines.filter((line) => line.startsWith('id,'))).toHaveLength(1);
    const appended = lines.slice(5);
    expect(appended.find((line) => line.startsWith(`${edited.id},`))).toMatch(/,false,2,/);
    expect(appended.find((line) => line.startsWith(`${removed.id},`))).toMatch(/,true,2,/);
    const features = JSON.parse(readFileSync(geojson, 'utf8')).features;
    expect(features).toHaveLength(7);
    expect(features.at(-3).properties).toMatchObject({ revision: 2 });

    const third = await fieldsync(['download', '--from', suite.server.baseUrl, '--project', 'kruger', '--out', csv], env);
    expect(third.status).toBe(0);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(8);
  });

  it('imports a folder on the server through the same intake: merged before it says so, processed/ and failed/', async () => {
    const incoming = join(work, 'incoming');
    mkdirSync(join(incoming, 'day1'), { recursive: true });
    const imported = feature();
    writeFileSync(join(incoming, 'good.geojson'), featureCollection([imported]));
    writeFileSync(join(incoming, 'broken.geojson'), '{"type":"FeatureCollection","features":[{"type":');
    writeFileSync(join(incoming, 'huge.geojson'), Buffer.alloc(2048, 0x20));
    writeFileSync(join(incoming, 'day1', 'later.geojson'), featureCollection([feature()]));
    const result = await fieldsync(['--json', 'import', incoming, '--project', 'kruger'], { ...suite.store.env, REDIS_URL: suite.redis!.url, MAX_UPLOAD_BYTES: '1024' });
    expect(result.status).toBe(1);
    const outcomes = JSON.parse(result.stdout.trim().split('\n')[0]);
    expect(outcomes.map((o: any) => [o.file, o.outcome])).toEqual([
      ['broken.geojson', 'failed'],
      ['good.geojson', 'ingested'],
      ['huge.geojson', 'failed'],
    ]);
    expect(outcomes[0].reason).toMatch(/^batch \S+ was rejected: /);
    expect(outcomes[1].status).toBe('consolidated');
    expect(result.stderr).toContain('day1/: a folder, not read');
    expect(readdirSync(join(incoming, 'processed'))).toEqual(['good.geojson']);
    // The shared-folder door puts a refused file in the same place, with the same reason beside it.
    expect(readdirSync(join(incoming, 'failed')).sort()).toEqual(['broken.geojson', 'broken.geojson.error.txt', 'huge.geojson', 'huge.geojson.error.txt']);
    expect(readFileSync(join(incoming, 'failed', 'broken.geojson.error.txt'), 'utf8')).toMatch(/was rejected/);
    expect(readdirSync(join(incoming, 'day1'))).toEqual(['later.geojson']);
    expect((await suite.admin.allSightings('kruger')).some((row) => row.id === uid(imported))).toBe(true);
  });

  it('refuses to import where no server runs, instead of making a new empty database there', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'fieldsync-elsewhere-'));
    mkdirSync(join(elsewhere, 'incoming'));
    writeFileSync(join(elsewhere, 'incoming', 'good.geojson'), featureCollection([feature()]));
    const result = await fieldsync(['import', join(elsewhere, 'incoming'), '--project', 'kruger'], { DATA_DIR: join(elsewhere, 'data'), DATABASE_URL: '', REDIS_URL: '' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`no FieldSync database at ${join(elsewhere, 'data', 'fieldsync.sqlite')}: run \`fieldsync import\` in the folder the server runs in`);
    expect(existsSync(join(elsewhere, 'data'))).toBe(false);
    expect(readdirSync(join(elsewhere, 'incoming'))).toEqual(['good.geojson']);
  });

  it('says plainly which step of a connection failed', async () => {
    const wrongPassword = await fieldsync(['test-connection', `ftp://${device.login}:wrong@127.0.0.1:${suite.server.ftpPort}/CTData`]);
    expect(wrongPassword.status).toBe(4);
    expect(wrongPassword.stderr).toMatch(/login failed/);
    const hostDown = await fieldsync(['test-connection', 'ftp://x:y@127.0.0.1:1/CTData']);
    expect(hostDown.status).toBe(3);
    expect(hostDown.stderr).toMatch(/connection refused/);
    const noFolder = await fieldsync(['test-connection', join(work, 'no-such-folder')]);
    expect(noFolder.status).toBe(3);
    expect(noFolder.stderr).toMatch(/folder missing/);
    const noFtpFolder = await fieldsync(['test-connection', `ftp://${device.login}:${encodeURIComponent(device.secret)}@127.0.0.1:${suite.server.ftpPort}/NoSuchFolder`]);
    expect(noFtpFolder.status).toBe(3);
    expect(noFtpFolder.stderr).toMatch(/folder missing: \/NoSuchFolder/);
    const badDevice = await fieldsync(['test-connection', suite.server.baseUrl, '--device', `${device.login}:wrong`]);
    expect(badDevice.stderr).toMatch(/login failed/);
    const good = await fieldsync(['test-connection', suite.server.baseUrl, '--device', `${device.login}:${device.secret}`]);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/ok {2}write permission/);
    // The URL the README gives CyberTracker, and the device URL, name the same gateway.
    const uploadUrl = await fieldsync(['test-connection', `${suite.server.baseUrl}/upload`, '--device', `${device.login}:${device.secret}`]);
    expect(uploadUrl.status, uploadUrl.stderr).toBe(0);
    // HTTPS to the plain HTTP port, and plain HTTP to an HTTPS port: each says which to use.
    const tlsToPlain = await fieldsync(['test-connection', suite.server.baseUrl.replace('http://', 'https://'), '--device', `${device.login}:${device.secret}`]);
    expect(tlsToPlain.status).toBe(3);
    expect(tlsToPlain.stderr).toContain('this port speaks plain HTTP: use http://');
    const key = join(work, 'tls.key');
    const cert = join(work, 'tls.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const tlsServer = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const plainToTls = await fieldsync(['test-connection', `http://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`, '--device', `${device.login}:${device.secret}`]);
      expect(plainToTls.status).toBe(3);
      expect(plainToTls.stderr).toContain('if this port speaks HTTPS, use https://');
    } finally {
      tlsServer.close();
    }
  });

  it('keeps files in the outbox while the server is down and sends them all once it is back', { timeout: 180_000 }, async () => {
    const outbox = join(work, 'outbox');
    mkdirSync(outbox);
    const agent: ChildProcess = spawn(
      process.execPath,
      [CLI, 'upload', '--watch', outbox, '--every', '500ms', '--retries', '0', '--to', suite.server.baseUrl, '--device', `${device.login}:${device.secret}`],
      { stdio: 'ignore' },
    );
    try {
      const early = feature();
      writeFileSync(join(outbox, 'early.geojson'), featureCollection([early]));
      await waitFor('the first file sent', async () => readdirSync(join(outbox, 'sent')).includes('early.geojson'), 30_000);
      // A file the server rejects leaves the outbox for rejected/, with the reason beside it, instead of being sent each round.
      writeFileSync(join(outbox, 'unreadable.geojson'), '{"type":"FeatureCollection","features":[{"type":');
      await waitFor('the rejected file set aside', async () => readdirSync(join(outbox, 'rejected')).includes('unreadable.geojson'), 30_000);
      expect(readFileSync(join(outbox, 'rejected', 'unreadable.geojson.error.txt'), 'utf8')).toMatch(/the server rejected the file/);
      const waiting = [feature(), feature(), feature()];
      await suite.restart('stop', async () => {
        waiting.forEach((f, i) => writeFileSync(join(outbox, `late-${i}.geojson`), featureCollection([f])));
        // The agent tries while the server is down: the files must stay in the outbox.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        expect(readdirSync(outbox).filter((name) => name.startsWith('late-'))).toHaveLength(3);
      });
      await waitFor('the outbox emptied', async () => readdirSync(outbox).filter((name) => name.endsWith('.geojson')).length === 0, 60_000);
      await waitFor(
        'the sightings consolidated',
        async () => {
          const ids = (await suite.admin.allSightings('kruger')).map((row) => row.id);
          return [early, ...waiting].every((f) => ids.includes(uid(f)));
        },
        30_000,
      );
      expect(await suite.store.count('batch', `file_name LIKE 'late-%'`)).toBe(3);
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('the agent sends a file only once it is complete, keeps same-named files apart in sent/, and holds no listeners round after round', { timeout: 120_000 }, async () => {
    const outbox = join(work, 'outbox-2');
    mkdirSync(outbox);
    let stderr = '';
    const agent: ChildProcess = spawn(
      process.execPath,
      [CLI, 'upload', '--watch', outbox, '--every', '50ms', '--retries', '0', '--to', suite.server.baseUrl, '--device', `${device.login}:${device.secret}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    agent.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // Written over about 3 s, as a handheld's export or a slow copy does: it must go out whole, once.
      const slow = featureCollection([feature(), feature(), feature()]);
      const path = join(outbox, 'slow.geojson');
      for (let offset = 0; offset < slow.length; offset += Math.ceil(slow.length / 10)) {
        writeFileSync(path, slow.subarray(0, offset + Math.ceil(slow.length / 10)));
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await waitFor('slow.geojson sent', async () => readdirSync(join(outbox, 'sent')).includes('slow.geojson'), 30_000);
      const slowBatches = await suite.admin.expect(200, 'GET', '/api/v1/projects/kruger/batches?limit=1000');
      const mine = slowBatches.batches.filter((batch: { fileName: string }) => batch.fileName === 'slow.geojson');
      expect(mine).toHaveLength(1);
      expect((await suite.admin.settled(mine[0].id)).status).toBe('consolidated');

      // A second file of the same name, sent later: both stay in sent/.
      writeFileSync(path, featureCollection([feature()]));
      await waitFor('the second slow.geojson sent', async () => readdirSync(join(outbox, 'sent')).filter((name) => name.endsWith('slow.geojson')).length === 2, 30_000);
      // Rounds every 50 ms for the whole test (well over a hundred): no listener piles up.
      expect(stderr).not.toMatch(/MaxListenersExceededWarning/);
    } finally {
      agent.kill('SIGTERM');
    }
  });
});
