import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { StoreKind } from './support/fieldsync-process.js';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSuite } from './support/suite.js';
import { readerProject } from './support/reader-project.js';

const SIGHTINGS = 25_000;
const SPECIES = ['Lion', 'Leopard', 'Elephant', 'Impala', 'Buffalo'];
const spec = (index: number) => ({
  id: `od-${index}`,
  species: SPECIES[index % SPECIES.length],
  count: index % 7,
  dateTime: `2026-03-${String(1 + (index % 25)).padStart(2, '0')}T${String(index % 24).padStart(2, '0')}:00:00+02:00`,
});

describe.each<StoreKind>(['sqlite', 'postgres'])('OData v4 for Excel and Power BI, on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  let reader: string;
  let otherReader: string;
  let device: { login: string; secret: string };
  const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`excel:${token}`).toString('base64')}` });
  const get = async (path: string, token = reader) => {
    const response = await fetch(path.startsWith('http') ? path : `${suite.server.baseUrl}${path}`, { headers: basic(token) });
    return { status: response.status, headers: response.headers, body: (response.headers.get('content-type') ?? '').includes('json') ? ((await response.json()) as any) : await response.text() };
  };

  beforeAll(async () => {
    ({ device, reader, otherReader } = await readerProject(suite, 'mara', SIGHTINGS, spec));
  }, 600_000);

  it('serves a service document and $metadata that an XML reader finds valid, with a typed property per field', async () => {
    const service = await get('/odata/mara.svc');
    expect(service.status).toBe(200);
    expect(service.headers.get('odata-version')).toBe('4.0');
    expect(service.body.value).toEqual([{ name: 'Sightings', kind: 'EntitySet', url: 'Sightings' }]);
    const metadata = await get('/odata/mara.svc/$metadata');
    expect(metadata.status).toBe(200);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(metadata.body as string);
    const schema = parsed['edmx:Edmx']['edmx:DataServices'].Schema;
    expect(schema.EntityContainer.EntitySet).toMatchObject({ Name: 'Sightings', EntityType: 'FieldSync.Sighting' });
    const types = Object.fromEntries((schema.EntityType.Property as { Name: string; Type: string }[]).map((property) => [property.Name, property.Type]));
    expect(types).toMatchObject({
      id: 'Edm.String',
      observedAt: 'Edm.DateTimeOffset',
      revision: 'Edm.Int64',
      latitude: 'Edm.Double',
      deleted: 'Edm.Boolean',
      Species: 'Edm.String',
      Count: 'Edm.Double',
    });
    expect(schema.EntityType.Key.PropertyRef.Name).toBe('id');
  });

  it('follows @odata.nextLink through every entity exactly once while uploads continue', async () => {
    const seen: string[] = [];
    let next: string | undefined = '/odata/mara.svc/Sightings';
    let round = 0;
    while (next) {
      const page = await get(next);
      expect(page.status).toBe(200);
      seen.push(...page.body.value.map((entity: any) => entity.id));
      next = page.body['@odata.nextLink'];
      if (round++ < 4) {
        const edits = [spec(round * 11), spec(SIGHTINGS - round * 13)].map((s) => feature({ ...s, species: 'Edited' }));
        const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([...edits, feature({ id: `od-new-${round}` })]));
        await suite.admin.settled((answer.body as any).batches[0].id);
      }
    }
    const original = seen.filter((id) => /^od-\d+$/.test(id));
    expect(original).toHaveLength(SIGHTINGS);
    expect(new Set(original).size).toBe(SIGHTINGS);
  });

  it('answers $filter, $select, $orderby, $top, $skip and $count as the standard says, and refuses what it cannot read with an OData error', async () => {
    const onFifth = Array.from({ length: SIGHTINGS }, (_, index) => spec(index)).filter((s) => {
      const at = Date.parse(s.dateTime);
      return at >= Date.parse('2026-03-05T00:00:00Z') && at < Date.parse('2026-03-06T00:00:00Z');
    });
    const filter = encodeURIComponent("kind eq 'sighting' and (observedAt ge 2026-03-05T00:00:00Z and observedAt lt 2026-03-06T00:00:00Z)");
    const counted = await get(`/odata/mara.svc/Sightings?$filter=${filter}&$count=true&$top=0`);
    expect(counted.status).toBe(200);
    expect(counted.body['@odata.count']).toBe(onFifth.length);
    expect(counted.body.value).toEqual([]);

    const selected = await get('/odata/mara.svc/Sightings?$select=id,Species&$top=3');
    expect(selected.body.value).toHaveLength(3);
    for (const entity of selected.body.value) expect(Object.keys(entity).sort()).toEqual(['Species', 'id']);
    expect(selected.body['@odata.context']).toContain('$metadata#Sightings(id,Species)');

    const newest = await get('/odata/mara.svc/Sightings?$orderby=observedAt desc&$top=5&$select=id,observedAt');
    const instants = newest.body.value.map((entity: any) => Date.parse(entity.observedAt));
    expect(instants).toEqual([...instants].sort((a: number, b: number) => b - a));
    expect(newest.body.value).toHaveLength(5);
    expect(newest.body['@odata.nextLink']).toBeUndefined();

    const bySeq = await get('/odata/mara.svc/Sightings?$orderby=seq&$skip=10&$top=2&$select=seq');
    const all = await get('/odata/mara.svc/Sightings?$orderby=seq&$top=12&$select=seq');
    expect(bySeq.body.value).toEqual(all.body.value.slice(10, 12));

    for (const bad of ['$filter=Species eq', "$filter=nonsense eq 'x'", "$filter=revision eq 'one'", '$expand=Device', '$top=-1', '$orderby=Species']) {
      const answer = await get(`/odata/mara.svc/Sightings?${bad.replace(/ /g, '%20')}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error, bad).toMatchObject({ code: '400', message: expect.any(String) });
    }
  });

  it('asks for credentials with a Basic challenge, and shows a token only its own project', async () => {
    const anonymous = await fetch(`${suite.server.baseUrl}/odata/mara.svc`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await get('/odata/mara.svc/Sightings', otherReader)).status).toBe(404);
    expect((await get('/odata/mara.svc', otherReader)).status).toBe(404);
    expect((await get('/odata/elsewhere.svc', otherReader)).status).toBe(200);
  });
});
