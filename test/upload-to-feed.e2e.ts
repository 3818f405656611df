import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateRawSync, deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { curl, uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { run } from './support/run.js';
import { fieldSyncSuite, STORES_AND_QUEUE_MODES } from './support/suite.js';

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

// Every case in both queue modes: BullMQ on Redis, and embedded (one process, no Redis).
describe.each(STORES_AND_QUEUE_MODES)('HTTP upload to consolidated feed on %s, %s mode', (kind, mode) => {
  const suite = fieldSyncSuite(kind, { mode, env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  let device: { id: string; login: string; secret: string };

  beforeAll(async () => {
    await suite.admin.createProject('kruger');
    await suite.admin.createProject('etosha');
    device = await suite.admin.createDevice('kruger');
  });

  async function uploadAndSettle(body: Buffer, as = device, extra: string[] = []) {
    const answer = await uploadAsDevice(suite.server.baseUrl, as, body, extra);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body.batches).toHaveLength(1);
    // A small file is merged inside its upload's transaction: acknowledged means in the feed.
    expect(answer.body.batches[0].status).not.toBe('received');
    return suite.admin.settled(answer.body.batches[0].id);
  }

  it('answers 202 and the sightings become downloadable, the same in JSON, NDJSON, CSV and GeoJSON', async () => {
    const features = [feature({ species: 'Lion', count: 2 }), feature({ species: 'Kudu, greater' }), feature({ waypoint: true })];
    const batch = await uploadAndSettle(featureCollection(features));
    expect(batch).toMatchObject({ status: 'consolidated', format: 'cybertracker-geojson', counts: { records: 3, new: 3, updated: 0, duplicate: 0, rejected: 0 } });

    const json = await suite.admin.allSightings('kruger');
    const expectedIds = features.map((f) => f.properties.id.slice(1, -1).toLowerCase());
    expect(json.map((row) => row.id).sort()).toEqual([...expectedIds].sort());
    expect(json.find((row) => row.id === expectedIds[0])).toMatchObject({
      kind: 'sighting',
      deviceId: 'ct-device-1',
      observedAt: '2026-03-01T10:00:00+02:00',
      revision: 1,
      latitude: features[0].properties.latitude,
      longitude: features[0].properties.longitude,
      data: { Species: 'Lion', Count: 2 },
    });
    expect(json.find((row) => row.id === expectedIds[2]).kind).toBe('waypoint');

    const ndjson = await suite.admin.call('GET', '/api/v1/projects/kruger/sightings?format=ndjson');
    const ndjsonRows = String(ndjson.body)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(ndjsonRows).toEqual(json);
    expect(ndjson.headers.get('x-next-cursor')).toBe(String(json.at(-1).seq));

    const geojson = await suite.admin.call('GET', '/api/v1/projects/kruger/sightings?format=geojson');
    expect(geojson.body.features.map((f: any) => [f.id, f.geometry.coordinates[0], f.geometry.coordinates[1], f.properties.seq])).toEqual(
      json.map((row) => [row.id, row.longitude, row.latitude, row.seq]),
    );

    const csv = await curl(['-H', `Authorization: Bearer ${'e2e-admin-token-0123456789abcdef'}`, `${suite.server.baseUrl}/api/v1/projects/kruger/sightings?format=csv`]);
    const [header, ...lines] = String(csv.body).trim().split('\n');
    expect(header.split(',').slice(0, 8)).toEqual(['id', 'deviceId', 'deviceName', 'deviceLogin', 'kind', 'observedAt', 'latitude', 'longitude']);
    expect(lines.map((line) => line.split(',')[0])).toEqual(json.map((row) => row.id));
    expect(lines.map((line) => Number(line.split(',')[6]))).toEqual(json.map((row) => row.latitude));
    expect(csv.body).toContain('"{""Species"":""Kudu, greater"",""Count"":1}"');
  });

  it('has a small upload in the feed the moment it is acknowledged, and says what it held', async () => {
    const features = [feature(), feature(), feature()];
    const before = (await suite.admin.allSightings('kruger')).length;
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(features));
    expect(answer.body.batches).toEqual([{ id: expect.any(String), status: 'consolidated', counts: { records: 3, new: 3, updated: 0, duplicate: 0, rejected: 0 } }]);
    // No waiting: the rows are there when the answer is.
    const ids = (await suite.admin.allSightings('kruger')).slice(before).map((row) => row.id);
    expect(ids.sort()).toEqual(features.map((f) => f.properties.id.slice(1, -1).toLowerCase()).sort());
  });

  it('merges an identical file sent twice as all duplicates, with no new feed entries', async () => {
    const body = featureCollection([feature(), feature()]);
    await uploadAndSettle(body);
    const before = await suite.admin.allSightings('kruger');
    const again = await uploadAndSettle(body);
    expect(again).toMatchObject({ status: 'consolidated', counts: { records: 2, new: 0, updated: 0, duplicate: 2, rejected: 0 } });
    expect(await suite.admin.allSightings('kruger')).toEqual(before);
  });

  it('turns changed content for a known id into revision 2 with a new, higher seq', async () => {
    const id = '{0F0F0F0F-1111-2222-3333-444455556666}';
    await uploadAndSettle(featureCollection([feature({ id, count: 1 })]));
    const first = (await suite.admin.allSightings('kruger')).find((row) => row.id === id.slice(1, -1).toLowerCase());
    const edited = await uploadAndSettle(featureCollection([feature({ id: id.toLowerCase(), count: 5 })]));
    expect(edited.counts).toMatchObject({ new: 0, updated: 1 });
    const rows = (await suite.admin.allSightings('kruger')).filter((row) => row.id === first.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ revision: 2, data: { Count: 5 } });
    expect(rows[0].seq).toBeGreaterThan(first.seq);
    const incremental = await suite.admin.expect(200, 'GET', `/api/v1/projects/kruger/sightings?after=${first.seq}`);
    expect(incremental.sightings.map((row: any) => row.id)).toContain(first.id);
  });

  it('merges a file of several merge steps whose ids come back in later steps as if read record by record', async () => {
    // Steps are 2,000 records: ids of step 1 change or repeat in step 2 (the step just before) and in step 3.
    const at = (id: string, count: number) => feature({ id, count, latitude: -24.5, longitude: 31.5 });
    const ids = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);
    const features = [
      ...ids('steps-a', 0, 2000).map((id) => at(id, 1)),
      ...ids('steps-a', 0, 500).map((id) => at(id, 2)),
      ...ids('steps-a', 500, 1000).map((id) => at(id, 1)),
      ...ids('steps-b', 0, 1000).map((id) => at(id, 1)),
      ...ids('steps-a', 0, 500).map((id) => at(id, 3)),
      ...ids('steps-a', 1000, 1500).map((id) => at(id, 3)),
    ];
    await suite.admin.createProject('serengeti');
    const sender = await suite.admin.createDevice('serengeti');
    const answer = await uploadAsDevice(suite.server.baseUrl, sender, featureCollection(features));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const batch = await suite.admin.settled(answer.body.batches[0].id);
    expect(batch).toMatchObject({ status: 'consolidated', counts: { records: 5000, new: 3000, updated: 1500, duplicate: 500, rejected: 0 } });

    const rows = await suite.admin.allSightings('serengeti');
    expect(rows).toHaveLength(3000);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const expected = (id: string, revision: number, count: number) => expect(byId.get(id), id).toMatchObject({ revision, data: { Count: count } });
    for (const id of ids('steps-a', 0, 500)) expected(id, 3, 3);
    for (const id of ids('steps-a', 500, 1000)) expected(id, 1, 1);
    for (const id of ids('steps-a', 1000, 1500)) expected(id, 2, 3);
    for (const id of [...ids('steps-a', 1500, 2000), ...ids('steps-b', 0, 1000)]) expected(id, 1, 1);
    // Every change took the next seq: 3,000 new and 1,500 updates, the latest of each id in the feed.
    expect(Math.max(...rows.map((row) => row.seq))).toBe(4500);
    expect(new Set(rows.map((row) => row.seq)).size).toBe(3000);
  });

  it('rejects a malformed file with a reason the admin can read', async () => {
    const notJson = await uploadAndSettle(Buffer.from('this is not a sighting file'));
    expect(notJson.status).toBe('rejected');
    expect(notJson.error).toMatch(/unrecognised file format/);
    const truncated = await uploadAndSettle(Buffer.from('{"type":"FeatureCollection","features":[{"type":"Feature","proper'));
    expect(truncated.status).toBe('rejected');
    expect(truncated.error).toMatch(/not valid JSON/);
    const empty = await uploadAndSettle(Buffer.alloc(0));
    expect(empty).toMatchObject({ status: 'rejected', error: 'the file is empty' });
  });

  it('keeps the good features of a file and lists each bad one with its index and reason', async () => {
    const good = [feature(), feature()];
    const batch = await uploadAndSettle(featureCollection([good[0], { ...feature(), properties: { ...feature().properties, latitude: 123 } }, 'junk', good[1]]));
    expect(batch).toMatchObject({ status: 'consolidated', counts: { records: 4, new: 2, rejected: 2 } });
    expect(batch.rejections).toEqual([
      { index: 1, reason: 'record 1: latitude 123 is outside -90..90' },
      { index: 2, reason: 'record 2: feature is not an object' },
    ]);
    const ids = (await suite.admin.allSightings('kruger')).map((row) => row.id);
    for (const f of good) expect(ids).toContain(f.properties.id.slice(1, -1).toLowerCase());
  });

  it('takes a CSV time as a spreadsheet writes it, and rejects a date the calendar does not have with its column and row', async () => {
    const csv = ['id,Latitude,Longitude,Date time,Species', 'sheet-1,-24,31,2026-03-01 10:00,Lion', 'sheet-2,-24,31,2026-02-30T10:00:00Z,Kudu'].join('\r\n');
    const batch = await uploadAndSettle(Buffer.from(csv), device, ['-H', 'X-File-Name: from-excel.csv']);
    expect(batch).toMatchObject({ status: 'consolidated', counts: { records: 2, new: 1, rejected: 1 } });
    expect(batch.rejections).toEqual([{ index: 1, reason: 'record 1: spreadsheet row 3: column "Date time": "2026-02-30T10:00:00Z" is not a real date and time (February 2026 has 28 days)' }]);
    const [row] = (await suite.admin.allSightings('kruger')).filter((sighting) => sighting.id === 'sheet-1');
    expect(row.observedAt).toBe('2026-03-01T10:00');
  });

  it('accepts raw deflate, zlib deflate, gzip, a trailing NUL, multipart and PUT with a file name', async () => {
    const bodies = [featureCollection([feature()]), featureCollection([feature()]), featureCollection([feature()])];
    for (const [encoding, encoded] of [
      ['deflate', deflateRawSync(bodies[0])],
      ['deflate', deflateSync(bodies[1])],
      ['gzip', gzipSync(bodies[2])],
    ] as const) {
      const batch = await uploadAndSettle(encoded, device, ['-H', `Content-Encoding: ${encoding}`]);
      expect(batch).toMatchObject({ status: 'consolidated', counts: { new: 1 } });
    }
    expect((await uploadAndSettle(Buffer.concat([featureCollection([feature()]), Buffer.from([0])]))).counts.new).toBe(1);

    const multipart = await curl(['-u', `${device.login}:${device.secret}`, '-F', 'file=@-;filename=a.geojson', `${suite.server.baseUrl}/upload`], featureCollection([feature(), feature()]));
    expect(multipart.status).toBe(202);
    expect((await suite.admin.settled(multipart.body.batches[0].id)).counts.new).toBe(2);

    const put = await curl(['-u', `${device.login}:${device.secret}`, '-X', 'PUT', '--data-binary', '@-', `${suite.server.baseUrl}/upload/Sightings%202026.json`], featureCollection([feature()]));
    expect(put.status).toBe(202);
    const stored = await suite.store.query<{ file_name: string }>(`SELECT file_name FROM batch WHERE id = '${put.body.batches[0].id}'`);
    expect(stored[0].file_name).toBe('Sightings 2026.json');

    const bearer = await curl(['-H', `Authorization: Bearer ${device.secret}`, '--data-binary', '@-', `${suite.server.baseUrl}/upload`], featureCollection([feature()]));
    expect(bearer.status).toBe(202);
  });

  it('answers 401 and stores nothing for wrong, missing or disabled credentials', async () => {
    const before = await suite.store.count('batch');
    const body = featureCollection([feature()]);
    expect((await uploadAsDevice(suite.server.baseUrl, { login: device.login, secret: `${device.secret}x` }, body)).status).toBe(401);
    expect((await uploadAsDevice(suite.server.baseUrl, { login: 'nobody', secret: device.secret }, body)).status).toBe(401);
    expect((await curl(['--data-binary', '@-', `${suite.server.baseUrl}/upload`], body)).status).toBe(401);
    const disabled = await suite.admin.createDevice('kruger', 'lost handheld');
    expect((await uploadAsDevice(suite.server.baseUrl, disabled, body)).status).toBe(202);
    await suite.admin.expect(200, 'PATCH', `/api/v1/projects/kruger/devices/${disabled.id}`, { enabled: false });
    expect((await uploadAsDevice(suite.server.baseUrl, disabled, body)).status).toBe(401);
    expect(await suite.store.count('batch')).toBe(before + 1);
  });

  it('keeps projects apart: devices upload only to their own project, scoped tokens see only theirs', async () => {
    const etoshaDevice = await suite.admin.createDevice('etosha');
    const before = await suite.store.count('batch');
    const refused = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([feature()]), ['-G', '--data-urlencode', 'project=etosha', '-X', 'POST']);
    expect(refused.status).toBe(403);
    expect(await suite.store.count('batch')).toBe(before);

    const etoshaFeature = feature({ species: 'Oryx' });
    await uploadAndSettle(featureCollection([etoshaFeature]), etoshaDevice);
    const krugerIds = (await suite.admin.allSightings('kruger')).map((row) => row.id);
    expect(krugerIds).not.toContain(etoshaFeature.properties.id.slice(1, -1).toLowerCase());

    const scoped = await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'kruger only', role: 'admin', projects: ['kruger'] });
    const kruger = new AdminClient(suite.server.baseUrl, scoped.token);
    expect((await kruger.call('GET', '/api/v1/projects/kruger/sightings')).status).toBe(200);
    const etoshaBatch = (await suite.admin.expect(200, 'GET', '/api/v1/projects/etosha/batches')).batches[0].id;
    for (const path of ['/api/v1/projects/etosha/sightings', '/api/v1/projects/etosha/batches', '/api/v1/projects/etosha/devices', `/api/v1/batches/${etoshaBatch}`]) {
      expect((await kruger.call('GET', path)).status, path).toBe(404);
    }
    expect((await kruger.call('POST', '/api/v1/projects/etosha/devices', { name: 'intruder' })).status).toBe(404);
    expect((await kruger.call('POST', '/api/v1/projects', { slug: 'mine', name: 'Mine' })).status).toBe(403);
    expect((await kruger.call('GET', '/api/v1/projects')).body.projects.map((p: any) => p.slug)).toEqual(['kruger']);

    const readOnly = await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'reader', role: 'read-only', projects: ['kruger'] });
    const reader = new AdminClient(suite.server.baseUrl, readOnly.token);
    expect((await reader.call('GET', '/api/v1/projects/kruger/sightings')).status).toBe(200);
    expect((await reader.call('POST', '/api/v1/projects/kruger/devices', { name: 'x' })).status).toBe(403);
    expect((await new AdminClient(suite.server.baseUrl, 'not-a-token').call('GET', '/api/v1/projects')).status).toBe(401);
  });

  it('stores a base64 photo once as an attachment, served to admins of the project only', async () => {
    // A small but real JPEG header followed by filler, as CyberTracker embeds photos.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]), Buffer.alloc(2000, 7), Buffer.from([0xff, 0xd9])]);
    const withPhoto = (id: string) => {
      const f = feature({ id });
      (f.properties.sighting as Record<string, unknown>).Photo = jpeg.toString('base64');
      return f;
    };
    const first = await uploadAndSettle(featureCollection([withPhoto('photo-1'), withPhoto('photo-2')]));
    expect(first.counts.new).toBe(2);
    const rows = (await suite.admin.allSightings('kruger')).filter((row) => row.id.startsWith('photo-'));
    const sha256 = (await import('node:crypto')).createHash('sha256').update(jpeg).digest('hex');
    for (const row of rows) {
      expect(row.attachments).toEqual([{ name: 'Photo.jpg', contentType: 'image/jpeg', size: jpeg.length, sha256 }]);
      expect(row.data.Photo).toEqual({ attachment: 'Photo.jpg' });
    }
    expect(await suite.store.count('attachment', `sha256 = '${sha256}'`)).toBe(1);
    const served = await fetch(`${suite.server.baseUrl}/api/v1/projects/kruger/attachments/${sha256}`, { headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef' } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer()).equals(jpeg)).toBe(true);
    expect((await suite.admin.call('GET', `/api/v1/projects/etosha/attachments/${sha256}`)).status).toBe(404);

    // The zip for spreadsheet users: the wide CSV, and the photo once, where the CSV says it is.
    const zipped = await fetch(`${suite.server.baseUrl}/api/v1/projects/kruger/sightings?format=zip&q=photo-`, { headers: { authorization: 'Bearer e2e-admin-token-0123456789abcdef' } });
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get('content-disposition')).toBe(`attachment; filename="kruger-sightings.zip"; filename*=UTF-8''kruger-sightings.zip`);
    const file = join(mkdtempSync(join(tmpdir(), 'fieldsync-zip-')), 'kruger.zip');
    writeFileSync(file, Buffer.from(await zipped.arrayBuffer()));
    const listing = await run('/usr/bin/python3', [
      '-c',
      'import csv, io, json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nz.testzip()\nrows = list(csv.DictReader(io.TextIOWrapper(z.open("sightings.csv"), "utf-8", newline="")))\nprint(json.dumps({"names": z.namelist(), "cells": [r["attachments"] for r in rows], "media": {n: z.read(n).hex() for n in z.namelist() if n.startswith("media/")}}))',
      file,
    ]);
    expect(listing.status, listing.stderr).toBe(0);
    const zip = JSON.parse(listing.stdout) as { names: string[]; cells: string[]; media: Record<string, string> };
    const path = `media/${sha256.slice(0, 12)}-Photo.jpg`;
    expect(zip.names).toEqual(['sightings.csv', path]);
    expect(zip.cells).toEqual([path, path]);
    expect(zip.media[path]).toBe(jpeg.toString('hex'));
  });

  it('answers 413 to a body over MAX_UPLOAD_BYTES and leaves nothing behind', async () => {
    const tables = ['batch', 'blob', 'blob_chunk'];
    const before = await Promise.all(tables.map((table) => suite.store.count(table)));
    const big = Buffer.alloc(MAX_UPLOAD_BYTES + 512 * 1024, 0x20);
    const declared = await uploadAsDevice(suite.server.baseUrl, device, big);
    expect(declared.status).toBe(413);
    expect(declared.body.detail).toMatch(/MAX_UPLOAD_BYTES/);
    // Chunked: no length up front, so the limit trips after chunks were already stored.
    const streamed = await uploadAsDevice(suite.server.baseUrl, device, big, ['-H', 'Transfer-Encoding: chunked']);
    expect(streamed.status).toBe(413);
    const bomb = await uploadAsDevice(suite.server.baseUrl, device, gzipSync(big), ['-H', 'Content-Encoding: gzip']);
    expect(bomb.status).toBe(413);
    expect(await Promise.all(tables.map((table) => suite.store.count(table)))).toEqual(before);
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    expect((await uploadAsDevice(suite.server.baseUrl, device, featureCollection([feature({ id: 'counted-1' })]))).body).toMatchObject({ batches: [{ status: 'consolidated' }] });
    expect((await fetch(`${suite.server.baseUrl}/health/live`)).status).toBe(200);
    const ready = await fetch(`${suite.server.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject(mode === 'queue' ? { mode, database: { status: 'ok' }, redis: { status: 'ok' } } : { mode, database: { status: 'ok' }, queue: { status: 'ok' } });
    const metrics = await (await fetch(`${suite.server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/fieldsync_batches_received_total\{door="http"\} \d+/);
    // Small files are merged in their upload's transaction, by this process, and counted with the others.
    expect(Number(/^fieldsync_batches_merged_total\{status="consolidated"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^fieldsync_process_cpu_seconds_total \d/m);
    expect(metrics).not.toContain('fieldsync_process_process_');
    expect(metrics).toMatch(/^fieldsync_batches\{status="received"\} \d+$/m);
    expect(metrics).toMatch(/^fieldsync_oldest_waiting_batch_seconds \d/m);
    expect((await fetch(`${suite.server.baseUrl}/api/docs-json`)).status).toBe(200);
  });
});
