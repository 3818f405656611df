import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { fieldSyncSuite } from './support/suite.js';
import { sha256 } from './support/digest.js';
import { encryptSubmission, formKeyPair } from './support/odk-encryption.js';
import { run } from './support/run.js';
import { parse } from 'csv-parse/sync';

const CLI = join(import.meta.dirname, '../dist/apps/cli/src/main.js');

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', 'odk', name));

const submission = (instanceId: string, count: number) =>
  `<?xml version='1.0' ?><wildlife id="wildlife" version="1"><start>2026-03-01T10:00:00.000+02:00</start><end>2026-03-01T10:03:00.000+02:00</end><deviceid>collect:abc</deviceid><species>lion</species><count>${count}</count><location>-24.1 31.5 300 5</location><photo>1700000000.jpg</photo><meta><instanceID>${instanceId}</instanceID></meta></wildlife>`;

/**
 * CyberTracker's ODK and KoBo connectors count an upload as delivered only when the reply text
 * contains "successful" or "duplicate", case-insensitively: ctmobile cpp/ODK/ODKProvider.cpp,
 * `responseXml.contains("successful", Qt::CaseInsensitive) || responseXml.contains("duplicate", …)`.
 */
const cyberTrackerCountsDelivered = (responseXml: string) => /successful|duplicate/i.test(responseXml);

describe.each<StoreKind>(['sqlite', 'postgres'])("OpenRosa: ODK Collect, KoBoCollect and CyberTracker's ODK connector on %s", (kind) => {
  const suite = fieldSyncSuite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-openrosa-'));
  let device: { login: string; secret: string; setup: any };

  beforeAll(async () => {
    await suite.admin.createProject('odk');
    device = await suite.admin.createDevice('odk');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A multipart POST as Collect builds it: the XML part, then one part per file, named by the file name. */
  function post(url: string, xml: string | Buffer, files: { name: string; bytes: Buffer; type: string }[] = [], extra: string[] = []) {
    const xmlPath = join(work, `submission-${Math.random()}.xml`);
    writeFileSync(xmlPath, xml);
    const parts = files.flatMap((file) => {
      const path = join(work, file.name);
      writeFileSync(path, file.bytes);
      return ['-F', `${file.name}=@${path};type=${file.type}`];
    });
    return curl(['-H', 'X-OpenRosa-Version: 1.0', '-F', `xml_submission_file=@${xmlPath};type=text/xml`, ...parts, ...extra, url]);
  }

  async function settleAll() {
    for (const batch of (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches?limit=1000')).batches) await suite.admin.settled(batch.id);
  }

  const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(800, 3)]);
  const basic = () => ['-u', `${device.login}:${device.secret}`];

  it('answers HEAD with the OpenRosa headers, and asks for credentials first', async () => {
    const anonymous = await curl(['-I', '-H', 'X-OpenRosa-Version: 1.0', `${suite.server.baseUrl}/submission`]);
    expect(anonymous.status).toBe(401);
    expect(String(anonymous.body)).toMatch(/WWW-Authenticate: Basic/i);
    const head = await curl(['-I', ...basic(), '-H', 'X-OpenRosa-Version: 1.0', `${suite.server.baseUrl}/submission`]);
    expect(head.status).toBe(204);
    expect(String(head.body)).toMatch(/X-OpenRosa-Version: 1\.0/i);
    expect(String(head.body)).toMatch(/X-OpenRosa-Accept-Content-Length: \d+/i);
    const wrongKey = await curl(['-I', `${suite.server.baseUrl}/key/0000.nope/submission`]);
    expect(wrongKey.status).toBe(401);
  });

  it("stores a submission with its photo; CyberTracker's connector counts it and its resend delivered; nothing is stored twice", async () => {
    const files = [{ name: '1700000000.jpg', bytes: photo, type: 'image/jpeg' }];
    const first = await post(`${suite.server.baseUrl}/submission`, submission('uuid:0001', 2), files, basic());
    expect(first.status).toBe(201);
    expect(String(first.body)).toContain('<message nature="submit_success">full submission upload was successful!</message>');
    expect(cyberTrackerCountsDelivered(String(first.body))).toBe(true);
    const again = await post(`${suite.server.baseUrl}/submission`, submission('uuid:0001', 2), files, basic());
    expect(again.status).toBe(201);
    expect(cyberTrackerCountsDelivered(String(again.body))).toBe(true);
    expect(await suite.store.count('batch', `door = 'openrosa' AND file_name = 'uuid:0001'`)).toBe(1);
    const [batch] = (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches')).batches;
    expect((await suite.admin.settled(batch.id)).counts).toMatchObject({ records: 1, new: 1 });
    const rows = (await suite.admin.allSightings('odk')).filter((row) => row.id === 'uuid:0001');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ latitude: -24.1, longitude: 31.5, observedAt: '2026-03-01T10:03:00.000+02:00', data: { species: 'lion', count: '2' }, revision: 1 });
    expect(rows[0].attachments).toEqual([{ name: '1700000000.jpg', contentType: 'image/jpeg', size: 804, sha256: sha256(photo) }]);
  });

  it('takes the device secret as a Bearer token (CyberTracker\'s ODK connector) or a KoBo "Token", on Central\'s project path too', async () => {
    const bearer = await post(`${suite.server.baseUrl}/v1/projects/1/submission`, submission('uuid:bearer', 1), [], ['-H', `Authorization: Bearer ${device.secret}`]);
    expect(bearer.status).toBe(201);
    const token = await post(`${suite.server.baseUrl}/submission`, submission('uuid:kobo', 1), [], ['-H', `Authorization: Token ${device.secret}`]);
    expect(token.status).toBe(201);
    expect(cyberTrackerCountsDelivered(String(token.body))).toBe(true);
  });

  it("refuses the same instanceID with different XML (409, Central's words) and keeps the original", async () => {
    await settleAll();
    const seqBefore = await suite.store.count('sighting');
    const conflict = await post(`${suite.server.baseUrl}/submission`, submission('uuid:0001', 7), [], basic());
    expect(conflict.status).toBe(409);
    expect(String(conflict.body)).toContain('A submission already exists with this ID, but with different XML.');
    expect(cyberTrackerCountsDelivered(String(conflict.body))).toBe(false);
    expect(await suite.store.count('batch', `door = 'openrosa' AND file_name = 'uuid:0001'`)).toBe(1);
    expect(await suite.store.count('sighting')).toBe(seqBefore);
  });

  it('is set up as ODK Collect sets itself up, from the device URL alone: formList, form, manifest, media, then a split submission and an edit', async () => {
    // The device URL and the QR code ODK Collect scans (zlib + base64 JSON), as the device was given them.
    const deviceUrl: string = device.setup.deviceUrl;
    expect(deviceUrl).toBe(`${suite.server.baseUrl}/key/${device.secret}`);
    expect(JSON.parse(inflateSync(Buffer.from(device.setup.odkCollect.settingsQrText, 'base64')).toString())).toMatchObject({ general: { server_url: deviceUrl } });
    expect(device.setup.odkCollect.settingsQrSvg).toMatch(/^<svg/);

    // The administrator adds the blank form (getodk/central-backend test/data/xml.js forms.binaryType) with a media file.
    const logo = Buffer.from('a small png, byte for byte');
    const formPath = join(work, 'binaryType.form.xml');
    writeFileSync(formPath, fixture('binaryType.form.xml'));
    writeFileSync(join(work, 'logo.png'), logo);
    const added = await curl([
      '-H',
      `Authorization: Bearer ${suite.admin.token}`,
      '-F',
      `form=@${formPath};type=text/xml`,
      '-F',
      `logo.png=@${join(work, 'logo.png')};type=image/png`,
      `${suite.server.baseUrl}/api/v1/projects/odk/forms`,
    ]);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ xmlFormId: 'binaryType', media: [{ name: 'logo.png', size: logo.length }] });

    // Collect: HEAD, then GET formList, the form, its manifest and each media file.
    expect((await curl(['-I', `${deviceUrl}/submission`])).status).toBe(204);
    const list = await curl([`${deviceUrl}/formList`]);
    expect(list.status).toBe(200);
    expect(String(list.body)).toContain('<formID>binaryType</formID>');
    const downloadUrl = /<downloadUrl>([^<]+)<\/downloadUrl>/.exec(String(list.body))![1];
    const manifestUrl = /<manifestUrl>([^<]+)<\/manifestUrl>/.exec(String(list.body))![1];
    expect(downloadUrl).toBe(`${deviceUrl}/forms/binaryType.xml`);
    const form = await curl([downloadUrl]);
    expect(form.status).toBe(200);
    expect(String(form.body)).toBe(fixture('binaryType.form.xml').toString());
    expect(String(list.body)).toContain(`<hash>md5:${createHash('md5').update(fixture('binaryType.form.xml')).digest('hex')}</hash>`);
    const manifest = String((await curl([manifestUrl])).body);
    expect(manifest).toContain(`<hash>md5:${createHash('md5').update(logo).digest('hex')}</hash>`);
    const mediaUrl = /<downloadUrl>([^<]+)<\/downloadUrl>/.exec(manifest)![1];
    const mediaPath = join(work, 'downloaded-logo');
    expect((await curl(['-o', mediaPath, mediaUrl])).status).toBe(200);
    expect(readFileSync(mediaPath)).toEqual(logo);

    // A submission whose attachments exceed the server's limit: Collect splits it, marking all but the last POST *isIncomplete*.
    const xml = fixture('binaryType.both.xml'); // instances.binaryType.both: file1 my_file1.mp4, file2 here_is_file2.jpg
    const video = Buffer.alloc(300 * 1024, 7); // over one blob chunk: streamed into the store
    const picture = Buffer.from('here is file 2');
    const part1 = await post(`${deviceUrl}/submission`, xml, [{ name: 'my_file1.mp4', bytes: video, type: 'video/mp4' }], ['-F', '*isIncomplete*=yes']);
    expect(part1.status).toBe(201);
    const part2 = await post(`${deviceUrl}/submission`, xml, [{ name: 'here_is_file2.jpg', bytes: picture, type: 'image/jpeg' }]);
    expect(part2.status).toBe(201);
    // The edit: Collect gives it a new instanceID and names the one it replaces in meta/deprecatedID; no files are resent.
    const edit = xml.toString().replace('<instanceID>both</instanceID>', '<instanceID>both_v2</instanceID><deprecatedID>both</deprecatedID>').replace('</data>', '<note>edited</note></data>');
    expect((await post(`${deviceUrl}/submission`, edit)).status).toBe(201);
    // …and an edit of the edit.
    const edit2 = edit
      .replace('<instanceID>both_v2</instanceID><deprecatedID>both</deprecatedID>', '<instanceID>both_v3</instanceID><deprecatedID>both_v2</deprecatedID>')
      .replace('edited', 'edited twice');
    expect((await post(`${deviceUrl}/submission`, edit2)).status).toBe(201);

    const batches = (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches?limit=100')).batches.filter((b: any) => /^both/.test(b.fileName));
    expect(batches).toHaveLength(4);
    for (const batch of batches) await suite.admin.settled(batch.id);
    const rows = (await suite.admin.allSightings('odk')).filter((row) => row.id === 'both');
    expect(rows).toHaveLength(1);
    // Split parts complete revision 1; the two edits are revisions 2 and 3.
    expect(rows[0]).toMatchObject({ revision: 3, data: { note: 'edited twice', file1: { attachment: 'my_file1.mp4' }, file2: { attachment: 'here_is_file2.jpg' } } });
    expect(rows[0].attachments.map((file: any) => file.name)).toEqual(['here_is_file2.jpg', 'my_file1.mp4']);
    for (const [name, bytes] of [
      ['my_file1.mp4', video],
      ['here_is_file2.jpg', picture],
    ] as const) {
      const ref = rows[0].attachments.find((file: any) => file.name === name);
      const path = join(work, `fetched-${name}`);
      expect((await curl(['-o', path, '-H', `Authorization: Bearer ${suite.admin.token}`, `${suite.server.baseUrl}/api/v1/projects/odk/attachments/${ref.sha256}`])).status).toBe(200);
      expect(readFileSync(path)).toEqual(bytes);
    }
  });

  it('keeps a form media name to its own base name in every door, and sandboxes what it serves', async () => {
    const auth = ['-H', `Authorization: Bearer ${suite.admin.token}`];
    const mediaUrl = (name: string) => `${suite.server.baseUrl}/api/v1/projects/odk/forms/binaryType/media/${name}`;
    const file = join(work, 'planted.png');
    writeFileSync(file, 'planted');
    for (const name of ['..%2F..%2F..%2Fplanted.png', '..%5Cplanted.png', 'sub%2Fplanted.png', '%2E%2E']) {
      const put = await curl([...auth, '-X', 'PUT', '-T', file, mediaUrl(name)]);
      expect(put.status, name).toBe(400);
      expect(put.body.detail).toMatch(/not a usable media file name/);
    }
    // A multipart file named with folders keeps its base name only.
    const formPath = join(work, 'binaryType.form.xml');
    const multipart = await curl([...auth, '-F', `form=@${formPath};type=text/xml`, '-F', `media=@${file};filename=../../planted2.png`, `${suite.server.baseUrl}/api/v1/projects/odk/forms`]);
    expect(multipart.status).toBe(200);
    expect(multipart.body.media.map((media: { name: string }) => media.name)).toContain('planted2.png');
    expect((await curl([...auth, '-X', 'PUT', '-T', file, mediaUrl('planted.png')])).status).toBe(200);
    const manifest = await curl(['-i', ...basic(), `${suite.server.baseUrl}/forms/binaryType/manifest`]);
    const filenames = [...String(manifest.body).matchAll(/<filename>([^<]*)<\/filename>/g)].map((match) => match[1]);
    expect(filenames).toContain('planted.png');
    expect(filenames.filter((name) => /[\\/]/.test(name!))).toEqual([]);

    // The XForm, the manifest and the media are documents, not pages of the console's origin.
    for (const path of ['/forms/binaryType.xml', '/forms/binaryType/manifest', '/forms/binaryType/attachments/planted.png', '/formList']) {
      const answer = await fetch(`${suite.server.baseUrl}${path}`, { headers: { authorization: `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}` } });
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-security-policy'), path).toMatch(/^sandbox; default-src 'none'/);
    }
    const consolePage = await fetch(`${suite.server.baseUrl}/`);
    expect(consolePage.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(consolePage.headers.get('content-security-policy')).not.toMatch(/sandbox/);
  });

  it('counts the split parts and the first edit as one revision each (revision 2 after an edit of a split submission)', async () => {
    const xml = fixture('binaryType.both.xml').toString().replace(/both/g, 'split2');
    await post(`${suite.server.baseUrl}/submission`, xml, [{ name: 'my_file1.mp4', bytes: Buffer.from('one'), type: 'video/mp4' }], [...basic(), '-F', '*isIncomplete*=yes']);
    await post(`${suite.server.baseUrl}/submission`, xml, [{ name: 'here_is_file2.jpg', bytes: Buffer.from('two'), type: 'image/jpeg' }], basic());
    await post(
      `${suite.server.baseUrl}/submission`,
      xml.replace('<instanceID>split2</instanceID>', '<instanceID>split2_v2</instanceID><deprecatedID>split2</deprecatedID>').replace('</data>', '<n>1</n></data>'),
      [],
      basic(),
    );
    const batches = (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches?limit=100')).batches.filter((b: any) => /^split2/.test(b.fileName));
    for (const batch of batches) await suite.admin.settled(batch.id);
    const [row] = (await suite.admin.allSightings('odk')).filter((sighting) => sighting.id === 'split2');
    expect(row.revision).toBe(2);
    expect(row.attachments).toHaveLength(2);
  });

  it('keeps attachments with non-ASCII names and files named under meta (client audits)', async () => {
    // instances.binaryType.unicode: <file1>fîlé2</file1><file2>f😂le3صادق</file2>, as OkHttp sends the names: raw UTF-8.
    const unicode = fixture('binaryType.unicode.xml').toString().replace('<instanceID>both</instanceID>', '<instanceID>unicode</instanceID>');
    const [first, second] = [/<file1>([^<]+)</.exec(unicode)![1], /<file2>([^<]+)</.exec(unicode)![1]];
    expect(
      (
        await post(
          `${suite.server.baseUrl}/submission`,
          unicode,
          [
            { name: first, bytes: Buffer.from('first'), type: 'image/jpeg' },
            { name: second, bytes: Buffer.from('second'), type: 'video/mp4' },
          ],
          basic(),
        )
      ).status,
    ).toBe(201);
    // instances.clientAudits.one: <meta><audit>audit.csv</audit></meta>, with central-backend's test/data/audit.csv; its form is published first.
    const audits = await curl(
      ['-H', `Authorization: Bearer ${suite.admin.token}`, '-H', 'Content-Type: application/xml', '--data-binary', '@-', `${suite.server.baseUrl}/api/v1/projects/odk/forms`],
      fixture('clientAudits.form.xml'),
    );
    expect(audits.status).toBe(201);
    expect((await post(`${suite.server.baseUrl}/submission`, fixture('clientAudits.one.xml'), [{ name: 'audit.csv', bytes: fixture('audit.csv'), type: 'text/csv' }], basic())).status).toBe(201);
    const wanted = ['unicode', 'one'];
    const batches = (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches?limit=100')).batches.filter((b: any) => wanted.includes(b.fileName));
    for (const batch of batches) await suite.admin.settled(batch.id);
    const rows = await suite.admin.allSightings('odk');
    const unicodeRow = rows.find((row) => row.id === 'unicode');
    expect(unicodeRow.data).toMatchObject({ file1: { attachment: first }, file2: { attachment: second } });
    expect(unicodeRow.attachments.map((file: any) => file.name).sort()).toEqual([first, second].sort());
    // Downloaded by its name in any script: the header carries it as RFC 6266's filename* (it was a 500).
    for (const name of [first, second]) {
      const ref = unicodeRow.attachments.find((file: any) => file.name === name);
      const got = await fetch(`${suite.server.baseUrl}/api/v1/projects/odk/attachments/${ref.sha256}`, { headers: { authorization: `Bearer ${suite.admin.token}` } });
      expect(got.status).toBe(200);
      expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(got.headers.get('content-disposition')!)![1]!)).toBe(name);
    }
    const audited = rows.find((row) => row.id === 'one');
    expect(audited.data['meta/audit']).toEqual({ attachment: 'audit.csv' });
    expect(audited.attachments).toEqual([expect.objectContaining({ name: 'audit.csv', sha256: sha256(fixture('audit.csv')) })]);
  });

  it('types values by the form when the form is known, and falls back to the arrival time for a form without timestamps', async () => {
    // forms.simple and instances.simple.one (<name>Alice</name><age>30</age>), instanceID renamed to stay apart.
    expect((await suite.admin.call('POST', '/api/v1/projects/odk/forms', undefined)).status).toBe(400);
    const added = await curl(
      ['-H', `Authorization: Bearer ${suite.admin.token}`, '-H', 'Content-Type: application/xml', '--data-binary', '@-', `${suite.server.baseUrl}/api/v1/projects/odk/forms`],
      fixture('simple.form.xml'),
    );
    expect(added.status).toBe(201);
    const before = new Date().toISOString();
    const xml = fixture('simple.one.xml').toString().replace('<instanceID>one</instanceID>', '<instanceID>simple-one</instanceID>');
    expect((await post(`${suite.server.baseUrl}/submission`, xml, [], basic())).status).toBe(201);
    const batches = (await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/batches?limit=100')).batches.filter((b: any) => b.fileName === 'simple-one');
    await suite.admin.settled(batches[0].id);
    const row = (await suite.admin.allSightings('odk')).find((sighting) => sighting.id === 'simple-one');
    expect(row.data).toEqual({ formId: 'simple', formVersion: '', name: 'Alice', age: 30 });
    expect(row.observedAt >= before).toBe(true);
  });

  it("refuses a submission of a form or version the project does not publish, in Central's words, unless the project accepts them; every sighting names its form", async () => {
    const before = await suite.store.count('batch');
    const unknownForm = await post(`${suite.server.baseUrl}/submission`, submission('uuid:unknown-form', 1), [], basic());
    expect(unknownForm.status).toBe(404);
    expect(String(unknownForm.body)).toMatch(
      /<message nature="error">Could not find the form &quot;wildlife&quot; in this project: it takes submissions of audits, binaryType, simple only\.<\/message>/,
    );
    const oldVersion = fixture('simple.one.xml')
      .toString()
      .replace('<data id="simple">', '<data id="simple" version="1999">')
      .replace('<instanceID>one</instanceID>', '<instanceID>old-version</instanceID>');
    const unknownVersion = await post(`${suite.server.baseUrl}/submission`, oldVersion, [], basic());
    expect(unknownVersion.status).toBe(404);
    expect(String(unknownVersion.body)).toContain('The form version specified in this submission &apos;1999&apos; does not exist.');
    expect(await suite.store.count('batch')).toBe(before);

    // The project setting takes them, as before forms were published (CyberTracker's ODK connector).
    expect(await suite.admin.expect(200, 'PATCH', '/api/v1/projects/odk', { acceptUnknownForms: true })).toMatchObject({ acceptUnknownForms: true, name: 'Project odk' });
    expect((await post(`${suite.server.baseUrl}/submission`, submission('uuid:unknown-form', 1), [], basic())).status).toBe(201);
    expect((await post(`${suite.server.baseUrl}/submission`, oldVersion, [], basic())).status).toBe(201);
    await suite.admin.expect(200, 'PATCH', '/api/v1/projects/odk', { acceptUnknownForms: false });
    await settleAll();
    const rows = await suite.admin.allSightings('odk');
    expect(rows.find((row) => row.id === 'uuid:unknown-form').data).toMatchObject({ formId: 'wildlife', formVersion: '1' });
    expect(rows.find((row) => row.id === 'old-version').data).toMatchObject({ formId: 'simple', formVersion: '1999' });
    const filtered = await suite.admin.expect(200, 'GET', '/api/v1/projects/odk/sightings?q=1999');
    expect(filtered.sightings.map((row: { id: string }) => row.id)).toEqual(['old-version']);
  });

  it('keeps an encrypted submission sealed, marked encrypted, and fieldsync download --private-key opens it where the key is', async () => {
    await suite.admin.createProject('sealed');
    const sender = await suite.admin.createDevice('sealed');
    const keys = formKeyPair();
    const photo = Buffer.from(Array.from({ length: 5000 }, (_, index) => (index * 7) % 256));
    const plain = `<data id="sealed" version="1"><species>lion</species><count>3</count><location>-24.1 31.5 300 5</location><photo>lion.jpg</photo><meta><instanceID>uuid:sealed-1</instanceID></meta></data>`;
    const sealed = encryptSubmission({ publicKeyPem: keys.publicKeyPem, formId: 'sealed', version: '1', instanceId: 'uuid:sealed-1', xml: plain, media: [{ name: 'lion.jpg', bytes: photo }] });
    const sent = await post(
      `${suite.server.baseUrl}/submission`,
      sealed.manifestXml,
      sealed.files.map((file) => ({ ...file, type: 'application/octet-stream' })),
      ['-u', `${sender.login}:${sender.secret}`],
    );
    expect(sent.status).toBe(201);
    const [batch] = (await suite.admin.expect(200, 'GET', '/api/v1/projects/sealed/batches')).batches;
    await suite.admin.settled(batch.id);
    const [stored] = await suite.admin.allSightings('sealed');
    // On the server: the envelope's own elements and the encrypted files, no invented fields.
    expect(stored.data).toMatchObject({ formId: 'sealed', formVersion: '1', encrypted: true, instanceID: 'uuid:sealed-1', encryptedFiles: ['lion.jpg.enc', 'submission.xml.enc'] });
    expect(Object.keys(stored.data)).not.toContain('species');
    expect(stored.attachments.map((file: { name: string }) => file.name)).toEqual(['lion.jpg.enc', 'submission.xml.enc']);
    expect(stored.latitude).toBeNull();

    const keyFile = join(work, 'sealed.pem');
    writeFileSync(keyFile, keys.privateKeyPem);
    const out = join(work, 'sealed.csv');
    const cli = (args: string[]) => run(process.execPath, [CLI, 'download', '--from', suite.server.baseUrl, '--project', 'sealed', '--token', suite.admin.token, ...args]);
    const opened = await cli(['--out', out, '--private-key', keyFile]);
    expect(opened.status, opened.stderr).toBe(0);
    expect(opened.stdout).toContain('decrypted 1 encrypted submission');
    const [row] = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(JSON.parse(row!.data!)).toMatchObject({ formId: 'sealed', formVersion: '1', species: 'lion', count: '3', photo: { attachment: 'lion.jpg' } });
    expect([row!.latitude, row!.longitude]).toEqual(['-24.1', '31.5']);
    expect(readFileSync(join(`${out}.media`, 'uuid_sealed-1', 'lion.jpg'))).toEqual(photo);

    // Another form's key opens nothing: the row is written as it is, and the command says so.
    const otherKey = join(work, 'other.pem');
    writeFileSync(otherKey, formKeyPair().privateKeyPem);
    const refused = await cli(['--out', join(work, 'sealed-other.ndjson'), '--private-key', otherKey]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('1 encrypted submission(s) could not be decrypted');
    expect(JSON.parse(readFileSync(join(work, 'sealed-other.ndjson'), 'utf8').trim()).data.encrypted).toBe(true);
  });

  it('refuses a billion-laughs submission with a readable reason and stores nothing', async () => {
    const before = await suite.store.count('batch');
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><data><a>&lol2;</a><meta><instanceID>uuid:x</instanceID></meta></data>`;
    const refused = await post(`${suite.server.baseUrl}/submission`, laughs, [], basic());
    expect(refused.status).toBe(400);
    expect(String(refused.body)).toMatch(/declares a DTD or entities, which are refused/);
    expect(await suite.store.count('batch')).toBe(before);
  });
});
