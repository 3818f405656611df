import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { curl, ftpUploadKilledMidway, uploadAsDevice } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSite } from './support/suite.js';
import { sha256 } from './support/digest.js';

/** Every file under BLOB_DIR, by name (parts included), with its bytes' sha256. */
function filesIn(blobDir: string): { name: string; sha256: string }[] {
  return readdirSync(blobDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({ name: entry.name, sha256: sha256(readFileSync(join(entry.parentPath, entry.name))) }));
}

describe.each<StoreKind>(['sqlite', 'postgres'])('uploads kept in BLOB_DIR on %s', (kind) => {
  const site = fieldSyncSite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-blob-dir-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // ~2.5 MB: ten chunks' worth, so it is streamed to a file rather than held whole.
  const features = Array.from({ length: 6000 }, (_, i) => feature({ species: `Species ${i % 40}`, count: i }));
  const big = featureCollection(features);
  const bigFile = join(work, 'big.geojson');
  writeFileSync(bigFile, big);

  it('takes large files over FTP and HTTP into the folder, merges them, and serves the original bytes', async () => {
    const server = await site.start({ env: { BLOB_DIR: 'blobs', MAX_UPLOAD_BYTES: '3MB' } });
    const blobDir = join(site.store.dataDir, 'blobs');
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('kruger');
    const device = await admin.createDevice('kruger');

    const sent = await curl(['--user', `${device.login}:${device.secret}`, '-T', bigFile, `ftp://127.0.0.1:${server.ftpPort}/patrol.geojson`]);
    expect(sent.exitCode).toBe(0);
    const [ftpBatch] = await site.store.query<{ id: string }>(`SELECT id FROM batch WHERE file_name = 'patrol.geojson'`);
    expect((await admin.settled(ftpBatch.id)).counts).toMatchObject({ records: 6000, new: 6000, rejected: 0 });
    expect(await admin.allSightings('kruger')).toHaveLength(6000);

    // The same bytes again over HTTP: one blob, one file; every sighting a duplicate.
    const again = await uploadAsDevice(server.baseUrl, device, big);
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect((await admin.settled(again.body.batches[0].id)).counts).toMatchObject({ records: 6000, new: 0, duplicate: 6000 });

    // A small file stays in the database, merged at upload as ever.
    const small = await uploadAsDevice(server.baseUrl, device, featureCollection([feature()]));
    expect(small.body.batches[0].status).toBe('consolidated');

    const blobs = await site.store.query<{ id: string; sha256: string; storage: string }>('SELECT id, sha256, storage FROM blob ORDER BY storage');
    expect(blobs.map((blob) => blob.storage)).toEqual(['database', 'file']);
    const inFile = blobs.find((blob) => blob.storage === 'file')!;
    expect(inFile.sha256).toBe(sha256(big));
    expect(filesIn(blobDir)).toEqual([{ name: inFile.id, sha256: sha256(big) }]);
    expect(await site.store.count('blob_chunk', `blob_id = '${inFile.id}'`)).toBe(0);

    const original = await fetch(`${server.baseUrl}/api/v1/projects/kruger/batches/${ftpBatch.id}/file`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(original.status).toBe(200);
    expect(sha256(Buffer.from(await original.arrayBuffer()))).toBe(sha256(big));

    // A file over the limit is refused on both doors and leaves nothing in the folder.
    const tooBig = Buffer.concat([big, Buffer.alloc(1024 * 1024, 0x20)]);
    writeFileSync(join(work, 'too-big.geojson'), tooBig);
    expect((await uploadAsDevice(server.baseUrl, device, tooBig)).status).toBe(413);
    const refused = await curl(['--user', `${device.login}:${device.secret}`, '-T', join(work, 'too-big.geojson'), `ftp://127.0.0.1:${server.ftpPort}/too-big.geojson`]);
    expect(refused.status).toBe(552);
    expect(filesIn(blobDir)).toEqual([{ name: inFile.id, sha256: sha256(big) }]);

    await ftpUploadKilledMidway(`ftp://127.0.0.1:${server.ftpPort}/cut.geojson`, device, big.subarray(0, 600_000));
    expect(await site.store.count('batch', `file_name = 'cut.geojson'`)).toBe(0);
    expect(filesIn(blobDir)).toEqual([{ name: inFile.id, sha256: sha256(big) }]);
    await server.stop();
  });

  it('keeps one file for a photo sent twice through the EarthRanger door', async () => {
    const server = await site.start({ env: { BLOB_DIR: 'blobs' } });
    const blobDir = join(site.store.dataDir, 'blobs');
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('er');
    const device = await admin.createDevice('er');
    const signIn = await curl(['-X', 'POST', '-d', `grant_type=password&username=${device.login}&password=${encodeURIComponent(device.secret)}`, `${server.baseUrl}/oauth2/token`]);
    const token: string = signIn.body.access_token;
    // ~600 KB: larger than one chunk, so each upload of it is streamed to a file of its own first.
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600_000, 7)]);
    writeFileSync(join(work, 'IMG_0002.jpg'), photo);
    const before = filesIn(blobDir);
    for (const count of [3, 4]) {
      const body = Buffer.from(JSON.stringify({ event_type: 'wildlife_sighting_rep', event_details: { count }, time: '2026-03-01T10:00:00+02:00', location: { latitude: -24.1, longitude: 31.5 } }));
      const created = await curl(['-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '--data-binary', '@-', `${server.baseUrl}/api/v1.0/activity/events`], body);
      expect(created.status).toBe(201);
      const file = await curl(['-H', `Authorization: Bearer ${token}`, '-F', `filecontent.file=@${join(work, 'IMG_0002.jpg')};filename=Photo.jpg;type=image/jpeg`, `${created.body.data.url}/files/`]);
      expect(file.status).toBe(201);
    }
    // The second copy is gone once its transaction committed, not left for the hourly sweep.
    const [stored] = await site.store.query<{ id: string }>(`SELECT id FROM blob WHERE sha256 = '${sha256(photo)}'`);
    expect(filesIn(blobDir)).toEqual(expect.arrayContaining(before));
    expect(filesIn(blobDir)).toHaveLength(before.length + 1);
    expect(filesIn(blobDir)).toContainEqual({ name: stored!.id, sha256: sha256(photo) });
    await server.stop();
  });

  it('will not start without BLOB_DIR once the database keeps files there, and says what to set', async () => {
    const started = await site.start().catch((error: Error) => error);
    expect(started).toBeInstanceOf(Error);
    expect((started as Error).message).toMatch(/BLOB_DIR: is not set, but this database has uploaded files kept in a BLOB_DIR folder/);
  });

  it('will not start with a BLOB_DIR it cannot write, naming it', async () => {
    const notAFolder = join(work, 'a-file');
    writeFileSync(notAFolder, 'x');
    const started = await site.start({ env: { BLOB_DIR: join(notAFolder, 'blobs') } }).catch((error: Error) => error);
    expect(started).toBeInstanceOf(Error);
    expect((started as Error).message).toMatch(/BLOB_DIR: the folder .* cannot be written/);
  });
});
