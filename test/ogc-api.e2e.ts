import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, StoreKind } from './support/fieldsync-process.js';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSuite } from './support/suite.js';
import { readerProject } from './support/reader-project.js';

const SIGHTINGS = 25_000;
const SPECIES = ['Lion', 'Leopard', 'Elephant', 'Impala', 'Buffalo'];

/** A GDAL command line tool, given the token as GDAL's OAPIF driver sends it (HTTP Basic). */
function gdal(tool: 'ogrinfo' | 'ogr2ogr', args: string[], token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { env: { ...process.env, GDAL_HTTP_AUTH: 'BASIC', GDAL_HTTP_USERPWD: `analyst:${token}` }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Spread over a 1° square of the park and over 50 days, so that boxes and intervals cut them. */
const spec = (index: number) => ({
  id: `ogc-${index}`,
  species: SPECIES[index % SPECIES.length],
  latitude: -25 + (index % 100) / 100,
  longitude: 31 + Math.floor(index / 100) / 250,
  dateTime: `2026-03-${String(1 + (index % 25)).padStart(2, '0')}T${String(index % 24).padStart(2, '0')}:00:00+02:00`,
});

describe.each<StoreKind>(['sqlite', 'postgres'])('OGC API – Features with GDAL as the client, on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-ogc-'));
  let reader: string;
  let otherReader: string;
  let device: { login: string; secret: string };
  const url = () => `OAPIF:${suite.server.baseUrl}/ogcapi`;

  beforeAll(async () => {
    ({ device, reader, otherReader } = await readerProject(suite, 'park', SIGHTINGS, spec));
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists the collections the token may read, and not the others', async () => {
    const listed = await gdal('ogrinfo', ['-ro', '-so', url()], reader);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/1: park \(title: Project park\)/);
    expect(listed.stdout).not.toContain('elsewhere');
    const all = await gdal('ogrinfo', ['-ro', '-so', url()], ADMIN_TOKEN);
    expect(all.stdout).toContain('elsewhere');
  });

  it('reports the same feature count as the API, and ogr2ogr copies the collection whole into a GeoPackage', async () => {
    const summary = await gdal('ogrinfo', ['-ro', '-so', url(), 'park'], reader);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toContain(`Feature Count: ${SIGHTINGS}`);
    expect(summary.stdout).toMatch(/Species: String/);
    const first = await suite.admin.expect(200, 'GET', '/ogcapi/collections/park/items?limit=1');
    expect(first.numberMatched).toBe(SIGHTINGS);

    const copy = join(work, `${kind}.gpkg`);
    // Pages of 1,000, as QGIS is usually set up (GDAL's own default is 10 per request).
    const copied = await gdal('ogr2ogr', ['-f', 'GPKG', '-oo', 'PAGE_SIZE=1000', copy, url(), 'park'], reader);
    expect(copied.code, copied.stderr).toBe(0);
    const local = await gdal('ogrinfo', ['-ro', '-so', copy, 'park'], reader);
    expect(local.stdout).toContain(`Feature Count: ${SIGHTINGS}`);
    // Every sighting once: the ids GDAL copied are the ids sent.
    const ids = await gdal('ogrinfo', ['-ro', '-q', copy, '-sql', 'SELECT COUNT(DISTINCT id) AS n FROM park'], reader);
    expect(ids.stdout).toMatch(new RegExp(`n \\(Integer\\) = ${SIGHTINGS}`));
  });

  it('answers bbox and datetime with exactly the sightings inside them, in GDAL and over HTTP', async () => {
    // Edges between points: a point on an edge would test rounding, not the filter.
    const box: [number, number, number, number] = [31.101, -24.805, 31.299, -24.495];
    const [west, south, east, north] = box;
    const inBox = Array.from({ length: SIGHTINGS }, (_, index) => spec(index)).filter((s) => s.longitude >= west && s.longitude <= east && s.latitude >= south && s.latitude <= north);
    const spatial = await gdal('ogrinfo', ['-ro', '-so', '-spat', String(west), String(south), String(east), String(north), url(), 'park'], reader);
    expect(spatial.stdout).toContain(`Feature Count: ${inBox.length}`);

    // 5 March (device time, +02:00) from 06:00 to 12:00, given in UTC: 04:00Z to 10:00Z.
    const wanted = Array.from({ length: SIGHTINGS }, (_, index) => spec(index)).filter((s) => {
      const at = Date.parse(s.dateTime);
      return at >= Date.parse('2026-03-05T04:00:00Z') && at <= Date.parse('2026-03-05T10:00:00Z') && s.longitude >= west && s.longitude <= east && s.latitude >= south && s.latitude <= north;
    });
    expect(wanted.length).toBeGreaterThan(0);
    const seen: string[] = [];
    let next: string | undefined = `/ogcapi/collections/park/items?limit=7&bbox=${box.join(',')}&datetime=2026-03-05T04:00:00Z/2026-03-05T10:00:00Z`;
    while (next) {
      const page = await fetch(next.startsWith('http') ? next : `${suite.server.baseUrl}${next}`, { headers: { authorization: `Basic ${Buffer.from(`x:${reader}`).toString('base64')}` } });
      expect(page.headers.get('content-type')).toMatch(/^application\/geo\+json/);
      const body = (await page.json()) as any;
      seen.push(...body.features.map((item: any) => item.id));
      next = body.links.find((link: any) => link.rel === 'next')?.href;
    }
    expect(seen.sort()).toEqual(wanted.map((s) => s.id).sort());
    const lions = await suite.admin.expect(200, 'GET', `/ogcapi/collections/park/items?limit=10000&Species=Lion&datetime=2026-03-01/2026-03-01`);
    // A date is that whole day in UTC, whatever offset each sighting was recorded with.
    const onFirst = (s: ReturnType<typeof spec>) => new Date(s.dateTime).toISOString().startsWith('2026-03-01');
    expect(lions.numberMatched).toBe(Array.from({ length: SIGHTINGS }, (_, index) => spec(index)).filter((s) => s.species === 'Lion' && onFirst(s)).length);
    expect((await suite.admin.call('GET', '/ogcapi/collections/park/items?bbox=1,2,3')).status).toBe(400);
    expect((await suite.admin.call('GET', '/ogcapi/collections/park/items?datetime=yesterday')).status).toBe(400);
  });

  it('pages without skipping or repeating a feature while sightings are edited and added', async () => {
    const ids: string[] = [];
    let next: string | undefined = '/ogcapi/collections/park/items?limit=1000';
    let round = 0;
    while (next) {
      const page = (await suite.admin.expect(200, 'GET', next.replace(suite.server.baseUrl, ''))) as any;
      ids.push(...page.features.map((item: any) => item.id));
      next = page.links.find((link: any) => link.rel === 'next')?.href;
      // Between pages, a device edits sightings on every side of the cursor and adds new ones.
      if (round++ < 3) {
        const edits = [spec(round * 3), spec(SIGHTINGS - round * 7), spec(12_345 + round)].map((s) => feature({ ...s, species: 'Edited' }));
        const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([...edits, feature({ id: `new-${round}` })]));
        await suite.admin.settled((answer.body as any).batches[0].id);
      }
    }
    const original = ids.filter((id) => id.startsWith('ogc-'));
    expect(original).toHaveLength(SIGHTINGS);
    expect(new Set(original).size).toBe(SIGHTINGS);
  });

  it('downloads a GeoPackage that GDAL reads without a warning: a layer per kind, a column per field, the filter applied', async () => {
    await suite.admin.createProject('gpkg');
    const ranger = await suite.admin.createDevice('gpkg', 'Ranger 9');
    const mixed = [...Array.from({ length: 30 }, (_, index) => feature({ species: SPECIES[index % 5], count: index })), ...Array.from({ length: 4 }, () => feature({ waypoint: true }))];
    const answer = await uploadAsDevice(suite.server.baseUrl, ranger, featureCollection(mixed));
    await suite.admin.settled((answer.body as any).batches[0].id);
    const fetchTo = async (query: string, file: string) => {
      const response = await fetch(`${suite.server.baseUrl}/api/v1/projects/${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/geopackage+sqlite3');
      expect(response.headers.get('content-disposition')).toMatch(/\.gpkg/);
      writeFileSync(join(work, file), Buffer.from(await response.arrayBuffer()));
      return join(work, file);
    };
    const whole = await fetchTo('gpkg/sightings?format=gpkg', `${kind}-mixed.gpkg`);
    const summary = await gdal('ogrinfo', ['-ro', '-so', '-al', whole], ADMIN_TOKEN);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stderr).not.toMatch(/warning/i);
    expect(summary.stdout).toMatch(/Layer name: sighting[\s\S]*Geometry: Point[\s\S]*Feature Count: 30/);
    expect(summary.stdout).toMatch(/Layer name: waypoint[\s\S]*Feature Count: 4/);
    expect(summary.stdout).toMatch(/EPSG",4326/);
    for (const column of ['id: String', 'observedAt: String', 'deviceName: String', 'revision: Integer', 'reviewState: String', 'Species: String', 'Count: String'])
      expect(summary.stdout).toContain(column);
    const full = await gdal('ogrinfo', ['-ro', '-al', '-q', whole], ADMIN_TOKEN);
    expect(full.code).toBe(0);
    expect(full.stderr).toBe('');
    expect(full.stdout).toContain('POINT (');
    const filtered = await fetchTo('gpkg/sightings?format=gpkg&kind=sighting&q=lion', `${kind}-lions.gpkg`);
    const lions = await gdal('ogrinfo', ['-ro', '-so', '-al', filtered], ADMIN_TOKEN);
    expect(lions.stdout).toMatch(/Feature Count: 6/);
    expect(lions.stdout).not.toContain('waypoint');
    const park = await fetchTo('park/sightings?format=gpkg', `${kind}-park.gpkg`);
    // Every sighting of the park, those added while paging above included.
    const inPark = (await suite.admin.expect(200, 'GET', '/ogcapi/collections/park/items?limit=1')).numberMatched;
    expect(inPark).toBeGreaterThanOrEqual(SIGHTINGS);
    expect((await gdal('ogrinfo', ['-ro', '-so', park, 'sighting'], ADMIN_TOKEN)).stdout).toContain(`Feature Count: ${inPark}`);
  });

  it('one feature, its queryables, and permissions: 401 with a Basic challenge, 404 for another project, 403 for a reader writing', async () => {
    const one = await suite.admin.expect(200, 'GET', '/ogcapi/collections/park/items/ogc-42');
    expect(one).toMatchObject({ type: 'Feature', id: 'ogc-42', geometry: { type: 'Point' }, properties: { Species: SPECIES[42 % SPECIES.length], kind: 'sighting' } });
    const queryables = await suite.admin.expect(200, 'GET', '/ogcapi/collections/park/queryables');
    expect(queryables.properties).toMatchObject({ Species: { type: 'string' }, Count: { type: 'number' } });
    const anonymous = await fetch(`${suite.server.baseUrl}/ogcapi/collections`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="FieldSync"/);
    const wrong = await fetch(`${suite.server.baseUrl}/ogcapi/collections`, { headers: { authorization: `Basic ${Buffer.from('x:not-a-token').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`qgis:${token}`).toString('base64')}` });
    expect((await fetch(`${suite.server.baseUrl}/ogcapi/collections/park/items`, { headers: basic(otherReader) })).status).toBe(404);
    expect((await fetch(`${suite.server.baseUrl}/ogcapi/collections/park`, { headers: basic(otherReader) })).status).toBe(404);
    const write = await fetch(`${suite.server.baseUrl}/api/v1/projects/park/sightings/review`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['ogc-1'], state: 'approved' }),
    });
    expect(write.status).toBe(403);
    // A browser gets the standard's HTML encoding: the landing page, the collections, a page of items.
    const html = async (path: string) => {
      const answer = await fetch(`${suite.server.baseUrl}${path}`, { headers: { ...basic(reader), accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      expect(answer.headers.get('content-type'), path).toMatch(/^text\/html/);
      return answer.text();
    };
    expect(await html('/ogcapi')).toContain('/ogcapi/collections');
    expect(await html('/ogcapi/collections')).toContain('Project park');
    const items = await html('/ogcapi/collections/park/items?limit=5');
    expect(items.match(/<tr>/g)).toHaveLength(6);
    expect(items).toContain('Next page');
    // The console's routes never challenge (a browser would show its own login box).
    expect((await fetch(`${suite.server.baseUrl}/api/v1/projects`)).headers.get('www-authenticate')).toBeNull();
  });
});
