import { STATUS_CODES } from 'node:http';
import { describe, expect, it, beforeAll } from 'vitest';
import { ADMIN_TOKEN, StoreKind } from './support/fieldsync-process.js';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSuite } from './support/suite.js';

/** Reads server-sent events from an open stream until `wanted` returns true for one; returns it. */
async function nextEvent(reader: ReadableStreamDefaultReader<Uint8Array>, wanted: (data: any) => boolean): Promise<any> {
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended');
    buffered += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (/^event: batch$/m.test(event) && data && wanted(JSON.parse(data))) return JSON.parse(data);
    }
  }
}

describe.each<StoreKind>(['sqlite', 'postgres'])('What the console reads, over HTTP, on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  let device: { login: string; secret: string };
  const open = (path: string) => fetch(`${suite.server.baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

  beforeAll(async () => {
    await suite.admin.createProject('serengeti');
    device = await suite.admin.createDevice('serengeti', 'Ranger 3');
  });

  async function send(features: unknown[], fileName: string) {
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(features), ['-H', `X-File-Name: ${fileName}`]);
    expect(answer.status).toBe(202);
    const batchId = (answer.body as any).batches[0].id as string;
    await suite.admin.settled(batchId);
    return batchId;
  }

  it('serves the console page at / never cached, its assets for a year, and no other path as a file', async () => {
    for (const path of ['/', '/index.html']) {
      const page = await fetch(`${suite.server.baseUrl}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(page.headers.get('cache-control'), path).toBe('no-cache');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
      expect(script, path).toBeDefined();
      const asset = await fetch(`${suite.server.baseUrl}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000, immutable/);
      await asset.arrayBuffer();
    }
    expect((await fetch(`${suite.server.baseUrl}/`, { method: 'HEAD' })).status).toBe(200);
    for (const path of ['/assets', '/index.htm', '/favicon.ico', '/assets/missing.js']) expect((await fetch(`${suite.server.baseUrl}${path}`)).status, path).toBe(404);
  });

  it('streams each batch change live, from the asOf of the list on', async () => {
    const { asOf } = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/batches');
    const stream = await open(`/api/v1/projects/serengeti/batches/live?since=${encodeURIComponent(asOf)}`);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    const batchId = await send([feature({ species: 'Lion' })], 'live.geojson');
    const merged = await nextEvent(reader, (batch) => batch.id === batchId && batch.status === 'consolidated');
    expect(merged).toMatchObject({ fileName: 'live.geojson', door: 'http', counts: { records: 1, new: 1 } });
    await reader.cancel();
  });

  it('hands back the original file and refuses to retry a batch that did not fail', async () => {
    const body = featureCollection([feature({ id: 'orig-1' })]);
    const answer = await uploadAsDevice(suite.server.baseUrl, device, body, ['-H', 'X-File-Name: original.geojson']);
    const batchId = (answer.body as any).batches[0].id as string;
    await suite.admin.settled(batchId);
    const file = await open(`/api/v1/projects/serengeti/batches/${batchId}/file`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('filename="original.geojson"');
    expect(Buffer.from(await file.arrayBuffer()).equals(body)).toBe(true);
    const retry = await suite.admin.call('POST', `/api/v1/projects/serengeti/batches/${batchId}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body.detail).toContain('only a failed batch can be retried');
    await suite.admin.createProject('elsewhere');
    expect((await open(`/api/v1/projects/elsewhere/batches/${batchId}/file`)).status).toBe(404);
  });

  it('keeps the versions a sighting had before, for its detail view', async () => {
    const first = feature({ id: 'versioned-1', species: 'Zebra', count: 3 });
    await send([first], 'v1.geojson');
    const second = { ...first, properties: { ...first.properties, sighting: { Species: 'Zebra', Count: 5 } } };
    await send([second], 'v2.geojson');
    const detail = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/sightings/versioned-1');
    expect(detail.sighting).toMatchObject({ id: 'versioned-1', revision: 2, data: { Species: 'Zebra', Count: 5 } });
    expect(detail.earlierVersions).toHaveLength(1);
    expect(detail.earlierVersions[0]).toMatchObject({ revision: 1, data: { Species: 'Zebra', Count: 3 } });
    expect((await suite.admin.call('GET', '/api/v1/projects/serengeti/sightings/no-such-one')).status).toBe(404);
  });

  it('groups the map in the database, with the same filters as the feed', async () => {
    await send(
      [
        feature({ id: 'map-1', species: 'Buffalo', latitude: -2.3, longitude: 34.8, dateTime: '2026-04-01T08:00:00+03:00', deviceId: 'ct-9' }),
        feature({ id: 'map-2', species: 'Buffalo', latitude: -2.31, longitude: 34.81, dateTime: '2026-04-02T08:00:00+03:00', deviceId: 'ct-9' }),
        feature({ id: 'map-3', waypoint: true, latitude: 10.5, longitude: -20.5, dateTime: '2026-04-03T08:00:00+03:00', deviceId: 'ct-9' }),
      ],
      'map.geojson',
    );
    const world = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/sightings/map?zoom=0&device=ct-9');
    expect(world.total).toBe(3);
    const buffalo = world.features.find((cluster: any) => cluster.properties.colour === 'sighting');
    expect(buffalo.properties.count).toBe(2);
    expect(buffalo.bbox).toEqual([34.8, -2.31, 34.81, -2.3]);
    const zoomedIn = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/sightings/map?zoom=18&device=ct-9&west=34&east=35&south=-3&north=-2');
    expect(zoomedIn.features.map((cluster: any) => cluster.properties.count)).toEqual([1, 1]);
    const filtered = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/sightings/map?zoom=0&device=ct-9&from=2026-04-02&to=2026-04-02');
    expect(filtered.total).toBe(1);
    const bySpecies = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/sightings/map?zoom=0&device=ct-9&colourBy=Species&kind=sighting');
    expect(bySpecies.features.map((cluster: any) => cluster.properties.colour)).toEqual(['Buffalo']);
    const text = await suite.admin.allSightings('serengeti', '&q=BUFFALO');
    expect(text.map((row) => row.id).sort()).toEqual(['map-1', 'map-2']);
    expect((await suite.admin.call('GET', '/api/v1/projects/serengeti/sightings/map?zoom=99')).body.detail).toBe('zoom must be a number from 0 to 24');
    expect((await suite.admin.call('GET', '/api/v1/projects/serengeti/sightings?from=April')).body.detail).toBe('from must be a day written YYYY-MM-DD');
  });

  it('counts a project at a glance and tells when each device last sent', async () => {
    const overview = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/overview');
    const sightings = (await suite.admin.allSightings('serengeti')).length;
    expect(overview).toMatchObject({ slug: 'serengeti', sightings, devices: 1, waiting: 0, failed: 0 });
    expect(overview.uploadsPerDay).toHaveLength(14);
    const { batches } = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/batches');
    expect(batches.length).toBeGreaterThanOrEqual(5);
    expect(overview.uploadsPerDay.at(-1)).toEqual({ day: new Date().toISOString().slice(0, 10), batches: batches.length });
    const { devices } = await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/devices');
    expect(devices[0]).toMatchObject({ name: 'Ranger 3', lastDoor: 'http', lastBatchStatus: 'consolidated' });
    expect(Date.parse(devices[0].lastSeenAt)).toBeGreaterThan(Date.now() - 120_000);
    const renamed = await suite.admin.expect(200, 'PATCH', `/api/v1/projects/serengeti/devices/${devices[0].id}`, { name: 'Ranger 3 (new battery)' });
    expect(renamed).toMatchObject({ name: 'Ranger 3 (new battery)', enabled: true });
  });

  it('streams the feed live; a client that reconnects with Last-Event-ID sees every sighting once', async () => {
    const start = (await suite.admin.allSightings('serengeti', '&includeDeleted=true')).at(-1).seq as number;
    const batch = (n: number, prefix: string) => Array.from({ length: n }, (_, index) => feature({ id: `${prefix}-${index}`, species: 'Eland' }));
    await send(batch(20, 'live-a'), 'live-a.geojson');

    const seen: { id: number; uid: string }[] = [];
    const readUntil = async (reader: ReadableStreamDefaultReader<Uint8Array>, count: number) => {
      const decoder = new TextDecoder();
      let buffered = '';
      while (seen.length < count) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffered += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffered.indexOf('\n\n')) >= 0 && seen.length < count) {
          const event = buffered.slice(0, cut);
          buffered = buffered.slice(cut + 2);
          const id = /^id: (\d+)$/m.exec(event)?.[1];
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (/^event: sighting$/m.test(event)) seen.push({ id: Number(id), uid: JSON.parse(data!).id });
        }
      }
    };
    const first = await open(`/api/v1/projects/serengeti/sightings/stream?after=${start}`);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const firstReader = first.body!.getReader();
    await readUntil(firstReader, 7);
    await firstReader.cancel();

    await send(batch(15, 'live-b'), 'live-b.geojson');
    const again = await fetch(`${suite.server.baseUrl}/api/v1/projects/serengeti/sightings/stream?after=0`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'last-event-id': String(seen.at(-1)!.id) },
    });
    const againReader = again.body!.getReader();
    await readUntil(againReader, 35);
    // And what is committed while the client listens.
    await send(batch(5, 'live-c'), 'live-c.geojson');
    await readUntil(againReader, 40);
    await againReader.cancel();

    const ids = seen.map((event) => event.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(40);
    expect(seen.map((event) => event.uid).sort()).toEqual([...batch(20, 'live-a'), ...batch(15, 'live-b'), ...batch(5, 'live-c')].map((item) => item.properties.id).sort());
  });

  it('reads an empty after= as the start in the feed and in the live stream alike', async () => {
    const feed = await open('/api/v1/projects/serengeti/sightings?after=&limit=1');
    expect(feed.status).toBe(200);
    const stream = await open('/api/v1/projects/serengeti/sightings/stream?after=');
    expect(stream.status).toBe(200);
    await stream.body!.cancel();
    for (const bad of ['-1', 'x', '1.5']) {
      expect((await open(`/api/v1/projects/serengeti/sightings?after=${bad}`)).status).toBe(400);
      expect((await open(`/api/v1/projects/serengeti/sightings/stream?after=${bad}`)).status).toBe(400);
    }
  });

  it('caps the live streams of one caller and of one address (429 beyond, saying what to do)', async () => {
    const tokens = await Promise.all(
      Array.from(
        { length: 5 },
        async (_, index) => (await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: `dashboard ${index}`, role: 'read-only', projects: ['serengeti'] })).token as string,
      ),
    );
    const paths = ['/api/v1/projects/serengeti/sightings/stream', '/api/v1/projects/serengeti/batches/live'];
    const stream = (token: string, index: number) => fetch(`${suite.server.baseUrl}${paths[index % 2]}`, { headers: { authorization: `Bearer ${token}` } });
    const held: Response[] = [];
    try {
      for (let index = 0; index < 10; index++) held.push(await stream(tokens[0]!, index));
      expect(held.map((answer) => answer.status)).toEqual(Array(10).fill(200));
      const eleventh = await stream(tokens[0]!, 0);
      expect(eleventh.status).toBe(429);
      expect(((await eleventh.json()) as { detail: string }).detail).toMatch(/too many live streams open/);
      // Others at the same address still get theirs, up to the address's cap (40).
      for (const token of tokens.slice(1, 4)) for (let index = 0; index < 10; index++) held.push(await stream(token, index));
      expect(held.map((answer) => answer.status)).toEqual(Array(40).fill(200));
      expect((await stream(tokens[4]!, 0)).status).toBe(429);
      // A stream closed frees its place (the server notices the close: wait for it, not for a time).
      await held.shift()!.body!.cancel();
      let again = await stream(tokens[0]!, 0);
      while (again.status === 429) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        again = await stream(tokens[0]!, 0);
      }
      expect(again.status).toBe(200);
      held.push(again);
    } finally {
      for (const answer of held) await answer.body?.cancel().catch(() => undefined);
    }
  });

  it('renames a project (its slug stays) and edits a source, keeping what was not given', async () => {
    const renamed = await suite.admin.expect(200, 'PATCH', '/api/v1/projects/serengeti', { name: 'Serengeti 2027' });
    expect(renamed).toMatchObject({ slug: 'serengeti', name: 'Serengeti 2027' });
    expect((await suite.admin.call('PATCH', '/api/v1/projects/serengeti', { name: '' })).status).toBe(400);
    const source = await suite.admin.expect(201, 'POST', '/api/v1/projects/serengeti/sources', { url: 'ftp://ftp.example.org/CTData', username: 'ranger', everyMinutes: 15 });
    const edited = await suite.admin.expect(200, 'PATCH', `/api/v1/projects/serengeti/sources/${source.id}`, { everyMinutes: 60, url: 'ftps://ftp.example.org/CTData' });
    expect(edited).toMatchObject({ url: 'ftps://ftp.example.org/CTData', username: 'ranger', everyMinutes: 60, hasPassword: false });
    const refused = await suite.admin.call('PATCH', `/api/v1/projects/serengeti/sources/${source.id}`, { url: 'ftp://user:pw@ftp.example.org/x' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('not in the URL');
    expect((await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/sources')).sources[0]).toMatchObject({ url: 'ftps://ftp.example.org/CTData', everyMinutes: 60 });
  });

  it('answers a change sent as something else than JSON with 415 and what to send', async () => {
    const sent = await fetch(`${suite.server.baseUrl}/api/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' }, body: 'slug=x' });
    expect(sent.status).toBe(415);
    expect(((await sent.json()) as { detail: string }).detail).toBe('send the body as JSON with Content-Type: application/json (got text/plain)');
    // Forms take XML: still accepted (and refused for what it says, not for its type).
    const form = await fetch(`${suite.server.baseUrl}/api/v1/projects/serengeti/forms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/xml' },
      body: '<not-a-form/>',
    });
    expect(form.status).toBe(400);
  });

  it('answers every error as problem details (RFC 9457), whichever part refused it', async () => {
    const device = await suite.admin.createDevice('serengeti', 'problem handheld');
    const tooLarge = Buffer.alloc(300, 0x20);
    const cases: [string, Promise<Response>, number, RegExp][] = [
      ['a domain error', fetch(`${suite.server.baseUrl}/api/v1/projects/nowhere/overview`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 404, /^no project "nowhere"$/],
      [
        'a refused field',
        fetch(`${suite.server.baseUrl}/api/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"slug":7}' }),
        400,
        /slug must be a string/,
      ],
      ['a guard', fetch(`${suite.server.baseUrl}/api/v1/projects`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } }), 401, /token/],
      ['an unknown route', fetch(`${suite.server.baseUrl}/api/v1/no-such-thing`), 404, /GET \/api\/v1\/no-such-thing/],
      [
        'a device door',
        fetch(`${suite.server.baseUrl}/upload`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${device.login}:wrong`).toString('base64')}` }, body: tooLarge }),
        401,
        /./,
      ],
    ];
    for (const [what, answer, status, detail] of cases) {
      const response = await answer;
      expect(response.status, what).toBe(status);
      expect(response.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body, what).toMatchObject({ type: 'about:blank', status, title: STATUS_CODES[status] });
      expect(body.detail, what).toMatch(detail);
    }
  });

  it('stops at once while a console follows the batches', async () => {
    const stream = await open('/api/v1/projects/serengeti/batches/live');
    const reader = stream.body!.getReader();
    // A stream left open would hold the stop until this test's time runs out.
    await suite.restart('stop');
    expect((await reader.read()).done).toBe(true);
  }, 20_000);
});
