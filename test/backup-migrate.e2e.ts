import { cpSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { uploadAsDevice } from './support/curl.js';
import { sha256 } from './support/digest.js';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { run } from './support/run.js';
import { fieldSyncSuite } from './support/suite.js';

const CLI = resolve(process.cwd(), 'dist/apps/cli/src/main.js');
const fieldsync = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [CLI, ...args], { env, timeoutMs: 120_000 });

/** What a client of the feed sees: every sighting, in seq order, with its seq and revision. */
const feedOf = async (admin: AdminClient) => (await admin.allSightings('kruger')).map(({ id, seq, revision, deviceLogin, data }) => ({ id, seq, revision, deviceLogin, data }));

describe('backups and the move to PostgreSQL, from the embedded database', () => {
  const suite = fieldSyncSuite('sqlite', { mode: 'embedded' });
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-backup-'));
  const started: FieldSyncProcess[] = [];
  const stores: StoreUnderTest[] = [];
  let device: { id: string; login: string; secret: string };
  const acknowledged: string[] = [];

  afterAll(async () => {
    for (const process of started) await process.stop();
    for (const store of stores) await store.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  async function send(count: number): Promise<void> {
    const features = Array.from({ length: count }, () => feature());
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(features));
    expect(answer.status).toBe(202);
    acknowledged.push(...features.map((item) => item.properties.id.slice(1, -1).toLowerCase()));
  }

  it('backs up the running database while uploads go on; a server started on the copy has everything acknowledged before', async () => {
    await suite.admin.createProject('kruger');
    device = await suite.admin.createDevice('kruger', 'Ranger 7');
    for (let file = 0; file < 5; file++) await send(20);
    const before = [...acknowledged];
    let sending = true;
    const meanwhile = (async () => {
      while (sending) await send(5);
    })();
    const backup = join(work, 'fieldsync.sqlite');
    const answer = await fieldsync(['admin', 'backup', '--out', backup], { FIELDSYNC_URL: suite.server.baseUrl, FIELDSYNC_TOKEN: ADMIN_TOKEN });
    sending = false;
    await meanwhile;
    expect(answer.status, answer.stderr).toBe(0);
    expect(answer.stdout).toContain(`backup written to ${backup}`);
    const copy = new Sqlite(backup, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();

    const restored = await StoreUnderTest.create('sqlite');
    stores.push(restored);
    copyFileSync(backup, join(restored.dataDir, 'fieldsync.sqlite'));
    const server = await FieldSyncProcess.start({ store: restored, redisUrl: null, env: {} });
    started.push(server);
    const feed = await feedOf(new AdminClient(server.baseUrl));
    const ids = new Set(feed.map((row) => row.id));
    for (const id of before) expect(ids.has(id), id).toBe(true);
    expect(ids.size).toBe(feed.length);
    expect(feed.map((row) => row.seq)).toEqual(feed.map((_, index) => index + 1));
    await server.stop();
  });

  it('moves to PostgreSQL with every sighting, revision, seq, original file and login, and refuses to copy twice', async () => {
    const edited = feature();
    await uploadAsDevice(suite.server.baseUrl, device, featureCollection([edited]));
    await uploadAsDevice(suite.server.baseUrl, device, featureCollection([{ ...edited, properties: { ...edited.properties, dateTime: '2026-03-09T10:00:00+02:00' } }]));
    const uid = edited.properties.id.slice(1, -1).toLowerCase();
    const feed = await feedOf(suite.admin);
    const detail = await suite.admin.expect(200, 'GET', `/api/v1/projects/kruger/sightings/${uid}`);
    expect(detail.earlierVersions).toHaveLength(1);
    const [batch] = (await suite.admin.expect(200, 'GET', '/api/v1/projects/kruger/batches')).batches;
    const original = (await suite.admin.call('GET', `/api/v1/projects/kruger/batches/${batch.id}/file`)).body;
    const auditEvents = (await suite.admin.expect(200, 'GET', '/api/v1/audit?limit=1000')).events.length;
    await suite.server.stop();

    const target = await StoreUnderTest.create('postgres');
    stores.push(target);
    const env = { DATA_DIR: suite.store.dataDir, DATABASE_URL: '', REDIS_URL: '' };
    const moved = await fieldsync(['--json', 'admin', 'migrate', '--to', target.env.DATABASE_URL], env);
    expect(moved.status, moved.stderr).toBe(0);
    const report = JSON.parse(moved.stdout.trim().split('\n').at(-1)!);
    expect(report.copied).toMatchObject({ sighting: feed.length, sighting_version: 1, device: 1, project: 1 });
    expect(Object.values(report.feedCursors)).toEqual([feed.length + 1]);

    const server = await FieldSyncProcess.start({ store: target, redisUrl: null, env: {} });
    started.push(server);
    const admin = new AdminClient(server.baseUrl);
    expect(await feedOf(admin)).toEqual(feed);
    expect(await admin.expect(200, 'GET', `/api/v1/projects/kruger/sightings/${uid}`)).toEqual(detail);
    expect((await admin.call('GET', `/api/v1/projects/kruger/batches/${batch.id}/file`)).body).toEqual(original);
    expect((await admin.expect(200, 'GET', '/api/v1/audit?limit=1000')).events.length).toBeGreaterThanOrEqual(auditEvents);
    // The device's secret still works, and its next sighting follows the copied feed.
    const next = feature();
    expect((await uploadAsDevice(server.baseUrl, device, featureCollection([next]))).status).toBe(202);
    expect((await feedOf(admin)).at(-1)).toMatchObject({ id: next.properties.id.slice(1, -1).toLowerCase(), seq: feed.length + 2 });

    const again = await fieldsync(['admin', 'migrate', '--to', target.env.DATABASE_URL], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('the target database already holds data');
  });
});

describe('backups of the embedded database with BLOB_DIR', () => {
  const suite = fieldSyncSuite('sqlite', { mode: 'embedded', env: { BLOB_DIR: 'blobs' } });
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-backup-files-'));
  const stores: StoreUnderTest[] = [];
  let restoredServer: FieldSyncProcess | null = null;

  afterAll(async () => {
    await restoredServer?.stop();
    for (const store of stores) await store.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('zips the database with the files, and a server restored from the zip serves every original file', async () => {
    await suite.admin.createProject('kruger');
    const device = await suite.admin.createDevice('kruger', 'Ranger 7');
    // Larger than one chunk (256 KB): the file is kept in BLOB_DIR, not in the database.
    const body = featureCollection(Array.from({ length: 1500 }, () => feature()));
    expect(body.length).toBeGreaterThan(256 * 1024);
    const answer = await uploadAsDevice(suite.server.baseUrl, device, body);
    expect(answer.status).toBe(202);
    const batchId = (answer.body as { batches: { id: string }[] }).batches[0].id;
    await suite.admin.settled(batchId);
    expect(readdirSync(join(suite.store.dataDir, 'blobs')).length).toBeGreaterThan(0);

    const zip = join(work, 'fieldsync.zip');
    const cli = await fieldsync(['admin', 'backup', '--out', zip], { FIELDSYNC_URL: suite.server.baseUrl, FIELDSYNC_TOKEN: ADMIN_TOKEN });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('a zip of the database and the files kept in BLOB_DIR');
    // Unpacked by a reader that is not ours, which checks every entry's CRC.
    const unpacked = join(work, 'unpacked');
    const python = await run('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', zip, unpacked]);
    expect(python.status, python.stderr).toBe(0);

    const restored = await StoreUnderTest.create('sqlite');
    stores.push(restored);
    copyFileSync(join(unpacked, 'fieldsync.sqlite'), join(restored.dataDir, 'fieldsync.sqlite'));
    cpSync(join(unpacked, 'blobs'), join(restored.dataDir, 'blobs'), { recursive: true });
    restoredServer = await FieldSyncProcess.start({ store: restored, redisUrl: null, env: { BLOB_DIR: 'blobs' } });
    const original = await fetch(`${restoredServer.baseUrl}/api/v1/projects/kruger/batches/${batchId}/file`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(original.status).toBe(200);
    expect(sha256(Buffer.from(await original.arrayBuffer()))).toBe(sha256(body));
    expect(await new AdminClient(restoredServer.baseUrl).allSightings('kruger')).toHaveLength(1500);
  });
});

describe('backups on PostgreSQL', () => {
  const suite = fieldSyncSuite('postgres', { mode: 'embedded' });
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-pgdump-'));
  const stores: StoreUnderTest[] = [];
  afterAll(async () => {
    for (const store of stores) await store.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('says to use pg_dump, and a pg_dump restored into a new database serves the same feed', async () => {
    await suite.admin.createProject('kruger');
    const device = await suite.admin.createDevice('kruger');
    expect((await uploadAsDevice(suite.server.baseUrl, device, featureCollection(Array.from({ length: 30 }, () => feature())))).status).toBe(202);
    const refused = await suite.admin.call('GET', '/api/v1/backup');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('pg_dump --format=custom');

    const dump = join(work, 'fieldsync.dump');
    const dumped = await run('pg_dump', ['--format=custom', `--file=${dump}`, suite.store.env.DATABASE_URL]);
    expect(dumped.status, dumped.stderr).toBe(0);
    const restored = await StoreUnderTest.create('postgres');
    stores.push(restored);
    const restore = await run('pg_restore', ['--no-owner', `--dbname=${restored.env.DATABASE_URL}`, dump]);
    expect(restore.status, restore.stderr).toBe(0);
    const server = await FieldSyncProcess.start({ store: restored, redisUrl: null, env: {} });
    try {
      expect(await feedOf(new AdminClient(server.baseUrl))).toEqual(await feedOf(suite.admin));
      expect((await uploadAsDevice(server.baseUrl, device, featureCollection([feature()]))).status).toBe(202);
    } finally {
      await server.stop();
    }
  });
});
