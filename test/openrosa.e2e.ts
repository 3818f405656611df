import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { fieldSyncSuite } from './support/suite.js';

const submission = (instanceId: string, count: number) =>
  `<?xml version='1.0' ?><wildlife id="wildlife" version="1"><start>2026-03-01T10:00:00.000+02:00</start><end>2026-03-01T10:03:00.000+02:00</end><deviceid>collect:abc</deviceid><species>lion</species><count>${count}</count><location>-24.1 31.5 300 5</location><photo>1700000000.jpg</photo><meta><instanceID>${instanceId}</instanceID></meta></wildlife>`;

describe.each<StoreKind>(['sqlite', 'postgres'])('OpenRosa submissions (as ODK Collect sends them) on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-openrosa-'));
  let device: { login: string; secret: string };

  beforeAll(async () => {
    await suite.admin.createProject('odk');
    device = await suite.admin.createDevice('odk');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  function submit(xml: string, extra: string[] = []) {
    writeFileSync(join(work, 'submission.xml'), xml);
    writeFileSync(join(work, '1700000000.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(800, 3)]));
    return curl(['-i', '-u', `${device.login}:${device.secret}`, '-H', 'X-OpenRosa-Version: 1.0',
      '-F', `xml_submission_file=@${join(work, 'submission.xml')};type=text/xml`, '-F', `1700000000.jpg=@${join(work, '1700000000.jpg')};type=image/jpeg`,
      ...extra, `${suite.server.baseUrl}/submission`]);
  }

  it('answers HEAD with the OpenRosa headers, and asks for credentials first', async () => {
    const anonymous = await curl(['-I', '-H', 'X-OpenRosa-Version: 1.0', `${suite.server.baseUrl}/submission`]);
    expect(anonymous.status).toBe(401);
    expect(String(anonymous.body)).toMatch(/WWW-Authenticate: Basic/i);
    const head = await curl(['-I', '-u', `${device.login}:${device.secret}`, '-H', 'X-OpenRosa-Version: 1.0', `${suite.server.baseUrl}/submission`]);
    expect(head.status).toBe(204);
    expect(String(head.body)).toMatch(/X-OpenRosa-Version: 1\.0/i);
    expect(String(head.body)).toMatch(/X-OpenRosa-Accept-Content-Length: \d+/i);
  });

  it('stores a submission with its photo, and a resubmission stores nothing twice', async () => {
    const first = await submit(submission('uuid:0001', 2));
    expect(first.status).toBe(201);
    expect(String(first.body)).toContain('<message nature="submit_success">');
    const again = await submit(submission('uuid:0001', 2));
    expect(again.status).toBe(201);
    expect(await suite.store.count('batch', `door = 'openrosa'`)).toBe(1);
    const [batch] = (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches')).batches;
    expect((await suite.admin.settled(batch.id)).counts).toMatchObject({ records: 1, new: 1 });
    const rows = await suite.admin.allSightings('odk');
    expect(rows).toHaveLength(1);
    const sha256 = createHash('sha256').update(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(800, 3)])).digest('hex');
    expect(rows[0]).toMatchObject({ id: 'uuid:0001', latitude: -24.1, longitude: 31.5, observedAt: '2026-03-01T10:03:00.000+02:00', data: { species: 'lion', count: '2' } });
    expect(rows[0].attachments).toEqual([{ name: '1700000000.jpg', contentType: 'image/jpeg', size: 804, sha256 }]);
  });

  it('refuses a billion-laughs submission with a readable reason and stores nothing', async () => {
    const before = await suite.store.count('batch');
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><data><a>&lol2;</a><meta><instanceID>uuid:x</instanceID></meta></data>`;
    const refused = await submit(laughs);
    expect(refused.status).toBe(400);
    expect(String(refused.body)).toMatch(/declares a DTD or entities, which are refused/);
    expect(await suite.store.count('batch')).toBe(before);
  });
});
