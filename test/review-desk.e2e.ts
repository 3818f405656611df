import { describe, expect, it, beforeAll } from 'vitest';
import { StoreKind } from './support/fieldsync-process.js';
import { AdminClient } from './support/admin-client.js';
import { uploadAsDevice } from './support/curl.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSuite } from './support/suite.js';

const SPECIES = ['Lion', 'Leopard', 'Elephant', 'Impala'];

describe.each<StoreKind>(['sqlite', 'postgres'])('the data manager’s desk on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  let device: { login: string; secret: string };
  let viewer: AdminClient;

  beforeAll(async () => {
    await suite.admin.createProject('kruger');
    await suite.admin.createProject('other');
    device = await suite.admin.createDevice('kruger', 'Ranger 7');
    const token = await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'reader', role: 'read-only', projects: ['kruger'] });
    viewer = new AdminClient(suite.server.baseUrl, token.token as string);
  });

  async function send(features: unknown[]) {
    const answer = await uploadAsDevice(suite.server.baseUrl, device, featureCollection(features));
    expect(answer.status).toBe(202);
    const batchId = (answer.body as any).batches[0].id as string;
    await suite.admin.settled(batchId);
    return (await suite.admin.batch(batchId)) as any;
  }

  const detail = (uid: string) => suite.admin.expect(200, 'GET', `/api/v1/projects/kruger/sightings/${encodeURIComponent(uid)}`);
  const uidOf = (spec: { properties: { id: string } }) => spec.properties.id.replace(/[{}]/g, '').toLowerCase();

  it('reviews one and 500 sightings at once, refuses a list with an unknown id whole, and filters every format by state', async () => {
    const features = Array.from({ length: 520 }, (_, index) => feature({ species: SPECIES[index % 4], dateTime: `2026-03-${String(1 + (index % 28)).padStart(2, '0')}T08:00:00+02:00` }));
    await send(features);
    const uids = features.map(uidOf);
    const one = await suite.admin.expect(200, 'POST', `/api/v1/projects/kruger/sightings/${uids[0]}/review`, { state: 'hasIssues', comment: 'the photo shows a leopard' });
    expect(one).toMatchObject({ id: uids[0], reviewState: 'hasIssues' });
    const before = await suite.admin.allSightings('kruger');
    const lastSeq = Math.max(...before.map((row) => row.seq));

    const bulk = await suite.admin.expect(200, 'POST', '/api/v1/projects/kruger/sightings/review', { ids: uids.slice(1, 501), state: 'approved' });
    expect(bulk).toEqual({ reviewed: 500, changed: 500 });

    const refused = await suite.admin.call('POST', '/api/v1/projects/kruger/sightings/review', { ids: [uids[501], 'no-such-sighting', uids[502]], state: 'rejected' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('no-such-sighting');
    expect((await detail(uids[501])).sighting.reviewState).toBe('received');
    expect((await suite.admin.call('POST', '/api/v1/projects/kruger/sightings/review', { ids: [uids[1]], state: 'fine' })).status).toBe(400);

    // A reader following after= sees each review change once, at a new seq, and no sighting is skipped.
    const changes = await suite.admin.allSightings('kruger', '', String(lastSeq));
    expect(changes.map((row) => row.id).sort()).toEqual(uids.slice(1, 501).sort());
    expect(changes.every((row) => row.reviewState === 'approved' && row.seq > lastSeq)).toBe(true);
    const all = await suite.admin.allSightings('kruger');
    expect(all).toHaveLength(520);
    expect(new Set(all.map((row) => row.id)).size).toBe(520);

    const approvedCsv = await suite.admin.call('GET', '/api/v1/projects/kruger/sightings?format=csv&review=approved');
    const lines = (approvedCsv.body as string).trim().split('\n');
    const header = lines[0]!.split(',');
    expect(header).toContain('reviewState');
    expect(lines.slice(1)).toHaveLength(500);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[0]))).toEqual(new Set(uids.slice(1, 501)));
    for (const format of ['ndjson', 'geojson', 'wide-csv']) {
      const answer = await suite.admin.call('GET', `/api/v1/projects/kruger/sightings?format=${format}&review=hasIssues,rejected`);
      expect(answer.status, format).toBe(200);
      expect(String(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)), format).toContain(uids[0]);
      expect(String(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)), format).not.toContain(uids[1]);
    }
    expect((await suite.admin.call('GET', '/api/v1/projects/kruger/sightings?review=maybe')).status).toBe(400);
    const clusters = await suite.admin.expect(200, 'GET', '/api/v1/projects/kruger/sightings/map?zoom=2&review=hasIssues');
    expect(clusters.features.reduce((sum: number, cluster: any) => sum + cluster.properties.count, 0)).toBe(1);
  });

  it('keeps comments with their author and time; a viewer reads states and comments but changes nothing', async () => {
    const [spec] = [feature({ species: 'Wild dog' })];
    await send([spec]);
    const uid = uidOf(spec);
    const made = await suite.admin.expect(201, 'POST', `/api/v1/projects/kruger/sightings/${uid}/comments`, { text: 'seen again on the next patrol' });
    expect(made).toMatchObject({ text: 'seen again on the next patrol', author: expect.any(String), createdAt: expect.any(String) });
    const listed = await viewer.expect(200, 'GET', `/api/v1/projects/kruger/sightings/${uid}/comments`);
    expect(listed.comments.map((comment: any) => comment.text)).toEqual(['seen again on the next patrol']);
    expect((await viewer.expect(200, 'GET', `/api/v1/projects/kruger/sightings/${uid}`)).comments).toHaveLength(1);
    expect((await viewer.call('POST', `/api/v1/projects/kruger/sightings/${uid}/comments`, { text: 'mine' })).status).toBe(403);
    expect((await viewer.call('POST', `/api/v1/projects/kruger/sightings/${uid}/review`, { state: 'approved' })).status).toBe(403);
    expect((await viewer.call('PATCH', `/api/v1/projects/kruger/sightings/${uid}`, { data: { Species: 'Lion' }, reason: 'x' })).status).toBe(403);
    // Another project's admin path does not reach this sighting.
    expect((await suite.admin.call('POST', `/api/v1/projects/other/sightings/${uid}/comments`, { text: 'x' })).status).toBe(404);
    expect((await suite.admin.call('POST', `/api/v1/projects/kruger/sightings/${uid}/comments`, { text: '' })).status).toBe(400);
    const trail = await suite.admin.expect(200, 'GET', '/api/v1/audit?project=kruger');
    expect(JSON.stringify(trail)).toContain('/comments');
  });

  it('a correction survives the device’s identical resend; a new device revision comes after it, edited, with the whole history', async () => {
    const original = feature({ species: 'Lion', count: 2 });
    await send([original]);
    const uid = uidOf(original);
    await suite.admin.expect(200, 'POST', `/api/v1/projects/kruger/sightings/${uid}/review`, { state: 'approved' });

    const corrected = await suite.admin.expect(200, 'PATCH', `/api/v1/projects/kruger/sightings/${uid}`, { data: { Species: 'Leopard' }, reason: 'the photo shows a leopard' });
    expect(corrected.changed).toBe(true);
    expect(corrected.sighting).toMatchObject({ revision: 2, reviewState: 'edited', changeReason: 'the photo shows a leopard', changedBy: expect.any(String) });
    // Fields the correction does not name keep their values.
    expect(corrected.sighting.data).toEqual({ Species: 'Leopard', Count: 2 });
    const seqAfterCorrection = corrected.sighting.seq;

    // (a) The device sends the same record again: nothing changes, the correction stays.
    const resend = await send([original]);
    expect(resend.counts).toMatchObject({ duplicate: 1, updated: 0 });
    const kept = await detail(uid);
    expect(kept.sighting).toMatchObject({ revision: 2, seq: seqAfterCorrection, reviewState: 'edited' });
    expect(kept.sighting.data.Species).toBe('Leopard');

    // (b) The device sends new content: the next revision after the correction, state edited.
    const newer = { ...original, properties: { ...original.properties, sighting: { Species: 'Lion', Count: 3 } } };
    const changed = await send([newer]);
    expect(changed.counts).toMatchObject({ updated: 1 });
    const after = await detail(uid);
    expect(after.sighting).toMatchObject({ revision: 3, reviewState: 'edited', changedBy: null });
    expect(after.sighting.data).toEqual({ Species: 'Lion', Count: 3 });
    // History, newest first: the person's correction, then the device's first version.
    expect(after.earlierVersions.map((version: any) => [version.revision, version.changedBy === null ? 'device' : 'person'])).toEqual([
      [2, 'person'],
      [1, 'device'],
    ]);
    expect(after.earlierVersions[0].changeReason).toBe('the photo shows a leopard');

    // A correction of nothing changes nothing; a deleted sighting or a bad value is refused.
    expect((await suite.admin.expect(200, 'PATCH', `/api/v1/projects/kruger/sightings/${uid}`, { data: { Species: 'Lion' }, reason: 'same' })).changed).toBe(false);
    expect((await suite.admin.call('PATCH', `/api/v1/projects/kruger/sightings/${uid}`, { latitude: 95, reason: 'moved' })).status).toBe(400);
    expect((await suite.admin.call('PATCH', `/api/v1/projects/kruger/sightings/${uid}`, { data: { x: 1 } })).status).toBe(400);
    expect((await suite.admin.call('PATCH', `/api/v1/projects/kruger/sightings/no-such`, { data: { x: 1 }, reason: 'r' })).status).toBe(404);
  });

  it('reports counts per species per week exactly as a GROUP BY of the same rows', async () => {
    await suite.admin.createProject('report');
    const reporter = await suite.admin.createDevice('report', 'Counter');
    const features = Array.from({ length: 90 }, (_, index) =>
      feature({ species: SPECIES[(index * 7) % 4], dateTime: `2026-0${1 + (index % 3)}-${String(1 + (index % 27)).padStart(2, '0')}T23:30:00+02:00` }),
    );
    const answer = await uploadAsDevice(suite.server.baseUrl, reporter, featureCollection([...features, { ...feature(), properties: { ...feature().properties, dateTime: undefined } }]));
    await suite.admin.settled((answer.body as any).batches[0].id);
    const report = await suite.admin.expect(200, 'GET', '/api/v1/projects/report/report?by=Species&period=week');
    expect(report.undated).toBe(1);
    // The expected counts, computed here from the rows as sent: week from Monday of the device's date.
    const expected = new Map<string, number>();
    for (const spec of features) {
      const day = new Date(`${spec.properties.dateTime.slice(0, 10)}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
      const key = `${day.toISOString().slice(0, 10)}|${spec.properties.sighting!.Species}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const got = new Map<string, number>(report.rows.map((row: any) => [`${row.period}|${row.value}`, row.count]));
    expect(got).toEqual(expected);
    const bySpecies = await suite.admin.expect(200, 'GET', '/api/v1/projects/report/report?by=kind&period=month');
    expect(bySpecies.rows.reduce((sum: number, row: any) => sum + row.count, 0)).toBe(90);
    expect(bySpecies.rows.map((row: any) => row.period)).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    expect((await suite.admin.call('GET', '/api/v1/projects/report/report?by=kind&period=year')).status).toBe(400);
    expect((await viewer.call('GET', '/api/v1/projects/report/report?by=kind')).status).toBe(404);
  });
});
