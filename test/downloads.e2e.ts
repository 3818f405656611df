import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { curl, uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { run } from './support/run.js';
import { fieldSyncSuite } from './support/suite.js';

const TOKEN = 'e2e-admin-token-0123456789abcdef';
/** Device ids a record may name that a naive export would mishandle: a formula, SQL quoting, LIKE wildcards. */
const FORMULA_DEVICE = '=HYPERLINK("http://example.org","x")';
const QUOTED_DEVICE = `O'Brien\\"; DROP TABLE sighting; --`;
/** Every byte PostgreSQL's COPY text format escapes (backslash, tab, newline, return), and CSV's quote and comma. */
const TRICKY_SPECIES = 'Kudu, "greater"\nline two \\ back\ttab\r\\N';
const BULK_ROWS = 20_000;

/**
 * Every download format of the feed, on both databases (PostgreSQL writes CSV, NDJSON and GeoJSON
 * itself with COPY; SQLite serialises in the gateway): the same rows and values as the JSON pages,
 * the same filters, formulas defused, and clients that go away mid-download leave the server whole.
 */
/** A device name a spreadsheet would take for a formula, with a quote and a comma in it. */
const DEVICE_NAME = '=Ranger "7", north';

describe.each(['sqlite', 'postgres'] as const)('downloads on %s', (kind) => {
  const suite = fieldSyncSuite(kind, { mode: 'embedded' });
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-downloads-'));

  async function upload(device: { login: string; secret: string }, features: unknown[]) {
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(features));
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect((await suite.admin.settled(answer.body.batches[0].id, 120_000)).status).toBe('consolidated');
  }

  function download(query: string) {
    return curl(['-H', `Authorization: Bearer ${TOKEN}`, `${suite.server.baseUrl}/api/v1/projects/tricky/sightings?${query}`]);
  }

  let device: { id: string; login: string; secret: string };

  beforeAll(async () => {
    await suite.admin.createProject('tricky');
    await suite.admin.createProject('bulk');
    device = await suite.admin.createDevice('tricky', DEVICE_NAME);
    await upload(device, [
      feature({ deviceId: FORMULA_DEVICE, species: 'Lion' }),
      feature({ deviceId: QUOTED_DEVICE, species: TRICKY_SPECIES }),
      feature({ deviceId: 'plain', species: '100% Ñandú 🦒', dateTime: '2026-04-02T08:00:00+02:00' }),
      feature({ deviceId: 'plain', waypoint: true, latitude: -24.5, longitude: 31.5 }),
    ]);
    const bulkDevice = await suite.admin.createDevice('bulk');
    await upload(
      bulkDevice,
      Array.from({ length: BULK_ROWS }, (_, index) => feature({ species: `Species ${index}`, count: index })),
    );
  }, 300_000);

  it('gives the same rows and values in CSV, NDJSON and GeoJSON as in the JSON pages', async () => {
    const json = await suite.admin.allSightings('tricky');
    expect(json).toHaveLength(4);
    // Stored as sent, whichever way the merge wrote it (COPY on PostgreSQL).
    expect(json[1]).toMatchObject({ deviceId: QUOTED_DEVICE, data: { Species: TRICKY_SPECIES } });

    const ndjson = await download('format=ndjson');
    expect(ndjson.status).toBe(200);
    const ndjsonRows = String(ndjson.body)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(ndjsonRows).toEqual(json);

    const geojson = await download('format=geojson');
    expect(geojson.body.type).toBe('FeatureCollection');
    expect(geojson.body.next).toBe(String(json.at(-1).seq));
    expect(geojson.body.features).toEqual(
      json.map((row) => ({
        type: 'Feature',
        id: row.id,
        geometry: { type: 'Point', coordinates: [row.longitude, row.latitude] },
        properties: row,
      })),
    );

    const csv = await download('format=csv');
    const records: Record<string, string>[] = parse(String(csv.body), { columns: true });
    expect(records.map((record) => record.id)).toEqual(json.map((row) => row.id));
    expect(records.map((record) => JSON.parse(record.data))).toEqual(json.map((row) => row.data));
    expect(records.map((record) => Number(record.latitude))).toEqual(json.map((row) => row.latitude));
    expect(records.map((record) => record.deleted)).toEqual(['false', 'false', 'false', 'false']);
    // A spreadsheet must show the formula as text, never run it.
    expect(records[0].deviceId).toBe(`'${FORMULA_DEVICE}`);
    expect(records[1].deviceId).toBe(QUOTED_DEVICE);
    // Which registered device sent each record, beside the id the record names itself.
    expect(json.map((row) => [row.deviceName, row.deviceLogin])).toEqual(json.map(() => [DEVICE_NAME, device.login]));
    expect(records.map((record) => [record.deviceName, record.deviceLogin])).toEqual(json.map(() => [`'${DEVICE_NAME}`, device.login]));
  });

  it('gives a column per field in the wide CSV and the XLSX, with the same rows and values as the JSON pages', async () => {
    const json = await suite.admin.allSightings('tricky');
    const fields = [...new Set(json.flatMap((row) => Object.keys(row.data)))].sort((a, b) => a.localeCompare(b));
    const fixed = [
      'id',
      'revision',
      'deleted',
      'kind',
      'observedAt',
      'latitude',
      'longitude',
      'altitude',
      'accuracy',
      'deviceId',
      'deviceName',
      'deviceLogin',
      'attachments',
      'seq',
      'batchId',
      'reviewState',
    ];
    const header = [...fixed, ...fields.map((field) => (fixed.includes(field) ? `data.${field}` : field))];
    const asText = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

    const wide = await download('format=wide-csv');
    expect(wide.status).toBe(200);
    const rows: string[][] = parse(String(wide.body));
    expect(rows[0]).toEqual(header);
    expect(rows.slice(1).map((row) => row[0])).toEqual(json.map((row) => row.id));
    for (const [index, row] of json.entries()) {
      for (const field of fields) {
        const expected = asText(row.data[field]);
        // Spreadsheet formulas are defused in CSV, as in the narrow one.
        expect(rows[index + 1][header.indexOf(fixed.includes(field) ? `data.${field}` : field)], field).toBe(/^[=+\-@\t\r]/.test(expected) ? `'${expected}` : expected);
      }
    }

    const file = join(work, `${kind}.xlsx`);
    const xlsx = await curl(['-H', `Authorization: Bearer ${TOKEN}`, '-o', file, '-D', '-', `${suite.server.baseUrl}/api/v1/projects/tricky/sightings?format=xlsx`]);
    expect(String(xlsx.body)).toMatch(/content-type: application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet/i);
    // openpyxl, a reference reader: every cell as Excel would read it, and whether any is a formula.
    // Debian's python3, where python3-openpyxl is installed (.ci/run).
    const read = await run('/usr/bin/python3', [
      '-c',
      'import json, sys, openpyxl\nws = openpyxl.load_workbook(sys.argv[1]).active\nprint(json.dumps({"rows": [[c.value for c in r] for r in ws.iter_rows()], "formulas": sum(c.data_type == "f" for r in ws.iter_rows() for c in r)}, default=str))',
      file,
    ]);
    expect(read.status, read.stderr).toBe(0);
    const sheet = JSON.parse(read.stdout) as { rows: unknown[][]; formulas: number };
    expect(sheet.formulas).toBe(0);
    expect(sheet.rows[0]).toEqual(header);
    expect(sheet.rows.slice(1).map((row) => row[header.indexOf('deviceId')])).toEqual(json.map((row) => row.deviceId));
    expect(sheet.rows.slice(1).map((row) => row[header.indexOf('latitude')])).toEqual(json.map((row) => row.latitude));
    for (const [index, row] of json.entries()) {
      for (const field of fields) {
        const value = row.data[field];
        const got = sheet.rows[index + 1][header.indexOf(fixed.includes(field) ? `data.${field}` : field)];
        expect(got, field).toEqual(
          value === undefined || value === null ? null : typeof value === 'object' ? JSON.stringify(value) : typeof value === 'string' ? value.replace(/\r\n?/g, '\n') : value,
        );
      }
    }
  });

  it('names the sending device as it is called now, in every format', async () => {
    await suite.admin.expect(200, 'PATCH', `/api/v1/projects/tricky/devices/${device.id}`, { name: 'Ranger 8, renamed' });
    const json = await suite.admin.allSightings('tricky');
    expect(new Set(json.map((row) => row.deviceName))).toEqual(new Set(['Ranger 8, renamed']));
    const ndjson = String((await download('format=ndjson')).body)
      .trim()
      .split('\n');
    expect(ndjson.map((line) => JSON.parse(line).deviceName)).toEqual(json.map(() => 'Ranger 8, renamed'));
    const records: Record<string, string>[] = parse(String((await download('format=csv')).body), { columns: true });
    expect(records.map((record) => record.deviceName)).toEqual(json.map(() => 'Ranger 8, renamed'));
    const [first] = json;
    expect((await suite.admin.expect(200, 'GET', `/api/v1/projects/tricky/sightings/${first.id}`)).sighting).toMatchObject({ deviceName: 'Ranger 8, renamed', deviceLogin: device.login });
    await suite.admin.expect(200, 'PATCH', `/api/v1/projects/tricky/devices/${device.id}`, { name: DEVICE_NAME });
  });

  it('applies the filters the same way in every format, whatever quotes or wildcards they hold', async () => {
    const cases: [string, number][] = [
      [`device=${encodeURIComponent(QUOTED_DEVICE)}`, 1],
      [`q=${encodeURIComponent('100%')}`, 1],
      [`q=${encodeURIComponent('kudu, ')}`, 1],
      [`q=${encodeURIComponent("'; select")}`, 0],
      ['kind=waypoint', 1],
      ['from=2026-04-01&to=2026-04-02', 1],
    ];
    for (const [filter, count] of cases) {
      const json = await suite.admin.allSightings('tricky', `&${filter}`);
      expect(json, filter).toHaveLength(count);
      const answer = (await download(`format=ndjson&${filter}`)).body;
      // The curl helper parses a body that is one JSON value: a download of one line.
      const ndjson = typeof answer === 'string' ? answer.trim() : JSON.stringify(answer);
      expect(ndjson === '' ? [] : ndjson.split('\n').map((line) => JSON.parse(line).id), filter).toEqual(json.map((row) => row.id));
      expect(
        (await download(`format=geojson&${filter}`)).body.features.map((item: { id: string }) => item.id),
        filter,
      ).toEqual(json.map((row) => row.id));
      const csv = parse(String((await download(`format=csv&${filter}`)).body), { columns: true }) as { id: string }[];
      expect(
        csv.map((record) => record.id),
        filter,
      ).toEqual(json.map((row) => row.id));
    }
  });

  it('streams a large download whole, and stays whole after clients that went away mid-download', async () => {
    // More abandoned downloads than the server has database connections: a connection left mid-COPY
    // would starve the ones after.
    for (let round = 0; round < 14; round++) await abandonedDownload(`/api/v1/projects/bulk/sightings?format=${['csv', 'ndjson', 'geojson'][round % 3]}`);
    const csv = await curl(['-H', `Authorization: Bearer ${TOKEN}`, `${suite.server.baseUrl}/api/v1/projects/bulk/sightings?format=csv`]);
    const lines = String(csv.body).trim().split('\n');
    expect(lines).toHaveLength(1 + BULK_ROWS);
    const geojson = await curl(['-H', `Authorization: Bearer ${TOKEN}`, `${suite.server.baseUrl}/api/v1/projects/bulk/sightings?format=geojson`]);
    expect(geojson.body.features).toHaveLength(BULK_ROWS);
    expect(geojson.body.features.map((item: { properties: { data: { Count: number } } }) => item.properties.data.Count).slice(0, 3)).toEqual([0, 1, 2]);
  }, 120_000);

  it('adds no listener per write: slow readers of large downloads beside 8 OpenRosa clients leave no MaxListenersExceededWarning', async () => {
    const collect = await suite.admin.createDevice('bulk', 'collect');
    const xml = join(work, 'submission.xml');
    const photo = join(work, 'photo.jpg');
    writeFileSync(photo, Buffer.alloc(200 * 1024, 9));
    const client = async (index: number) => {
      for (let round = 0; round < 5; round++) {
        const path = `${xml}.${index}.${round}`;
        writeFileSync(path, `<?xml version="1.0"?><data id="w" version="1"><n>${round}</n><photo>photo.jpg</photo><meta><instanceID>uuid:load-${index}-${round}</instanceID></meta></data>`);
        // Collect's shape: HEAD, then the multipart POST, on one kept-alive connection.
        const auth = ['-sS', '-o', '/dev/null', '-w', '%{http_code} ', '-u', `${collect.login}:${collect.secret}`, '-H', 'X-OpenRosa-Version: 1.0'];
        const answer = await run('curl', [
          ...auth,
          '-I',
          `${suite.server.baseUrl}/submission`,
          '--next',
          ...auth,
          '-F',
          `xml_submission_file=@${path};type=text/xml`,
          '-F',
          `photo.jpg=@${photo};type=image/jpeg`,
          `${suite.server.baseUrl}/submission`,
        ]);
        expect(answer.stdout.trim()).toBe('204 201');
      }
    };
    // Readers slower than the server: every write waits for the socket to drain, hundreds of times.
    const slowReader = (format: string) =>
      curl(['--limit-rate', '1M', '-o', '/dev/null', '-H', `Authorization: Bearer ${TOKEN}`, `${suite.server.baseUrl}/api/v1/projects/bulk/sightings?format=${format}`]);
    const [geojson, ndjson] = await Promise.all([slowReader('geojson'), slowReader('ndjson'), ...Array.from({ length: 8 }, (_, index) => client(index))]);
    expect([geojson.status, ndjson.status]).toEqual([200, 200]);
    expect(suite.server.logs).not.toMatch(/MaxListenersExceededWarning/);
  }, 120_000);

  it('answers an Excel download of more rows than a sheet holds with 400, saying what to do, instead of a file Excel would cut short', { timeout: 300_000 }, async () => {
    const { id: projectId } = await suite.admin.createProject('huge');
    // A sheet holds 1,048,576 rows with its header: one more sighting than fits, written straight into the store.
    const rows = 1_048_576;
    const columns = 'id, project_id, uid, device_id, kind, observed_at, latitude, longitude, accuracy, data, attachments, deleted, content_hash, revision, seq, batch_id, received_at, updated_at';
    const values = (i: string, text: string) =>
      `${text}, '${projectId}', 'huge-' || ${i}, 'ct-1', 'sighting', '2026-03-01T10:00:00+02:00', -24, 31, 4, '{"Species":"Impala"}', '[]', false, ${text}, 1, ${i}, 'huge-batch', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'`;
    await suite.store.execute(
      kind === 'postgres'
        ? `INSERT INTO sighting (${columns}) SELECT ${values('i', 'md5(i::text)')} FROM generate_series(1, ${rows}) AS i`
        : `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${rows}) INSERT INTO sighting (${columns}) SELECT ${values('i', `'h' || i`)} FROM g`,
    );
    await suite.store.execute(`UPDATE project_feed SET last_seq = ${rows} WHERE project_id = '${projectId}'`);
    const refused = await curl(['-H', `Authorization: Bearer ${TOKEN}`, `${suite.server.baseUrl}/api/v1/projects/huge/sightings?format=xlsx`]);
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/more than 1048575 sightings match: an Excel sheet holds 1,048,576 rows with its header/);
    // Narrowed, as the answer says, it is a workbook again.
    const narrowed = await curl(['-o', '/dev/null', '-H', `Authorization: Bearer ${TOKEN}`, `${suite.server.baseUrl}/api/v1/projects/huge/sightings?format=xlsx&after=${rows - 5}`]);
    expect(narrowed.status).toBe(200);
  });

  /** Reads the first bytes of a download, then drops the connection. */
  function abandonedDownload(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = request(`${suite.server.baseUrl}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } }, (response) => {
        expect(response.statusCode).toBe(200);
        response.once('data', () => {
          response.destroy();
          resolve();
        });
      });
      call.on('error', reject);
      call.end();
    });
  }
});
