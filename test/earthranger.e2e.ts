import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, uploadAsDevice } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { fieldSyncSuite } from './support/suite.js';

/**
 * CyberTracker's EarthRanger connector, request by request as ctmobile sends them:
 * cpp/EarthRanger/EarthRangerConnector.cpp signs in (POST /oauth2/token, password grant);
 * cpp/EarthRanger/EarthRangerProvider.cpp posts the event (POST /api/v1.0/activity/events,
 * Bearer token, JSON), each photo to `<event url>/files/` (multipart, part "filecontent.file",
 * file name "Photo<n>.<ext>"), the note to `<event url>/notes/` ({"text"}), and an edit as a
 * PATCH of the event URL. It counts a step delivered on any 2xx.
 */
describe.each<StoreKind>(['sqlite', 'postgres'])('EarthRanger events from CyberTracker on %s', (kind) => {
  const suite = fieldSyncSuite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-earthranger-'));
  let device: { login: string; secret: string };
  let stranger: { login: string; secret: string };

  beforeAll(async () => {
    await suite.admin.createProject('er');
    await suite.admin.createProject('other');
    device = await suite.admin.createDevice('er');
    stranger = await suite.admin.createDevice('other');
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const event = (count: number) => ({
    event_type: 'wildlife_sighting_rep',
    event_details: { wildlifesightingrep_species: 'elephant', wildlifesightingrep_numberanimals: count },
    time: '2026-03-01T10:00:00.000+02:00',
    location: { latitude: -24.1, longitude: 31.5 },
    reported_by: { id: 'b5a1c2d3-0000-4000-8000-000000000001', name: 'Ranger 7' },
  });
  const json = (token: string, method: string, url: string, body: unknown) =>
    curl(
      ['-X', method, '-H', 'Accept: application/json, text/plain, */*', '-H', 'Content-Type: application/json; charset=utf-8', '-H', `Authorization: Bearer ${token}`, '--data-binary', '@-', url],
      Buffer.from(JSON.stringify(body)),
    );

  async function settledFeed(): Promise<any[]> {
    for (const batch of (await suite.admin.expect(200, 'GET', '/api/v1/projects/er/batches?limit=1000')).batches) await suite.admin.settled(batch.id);
    return suite.admin.allSightings('er');
  }

  it('signs in with the device login and secret, posts an event, a photo, a note and an edit: one sighting', async () => {
    const signIn = await curl([
      '-X',
      'POST',
      '-d',
      `grant_type=password&username=${device.login}&password=${encodeURIComponent(device.secret)}&client_id=er_mobile_tracker`,
      `${suite.server.baseUrl}/oauth2/token`,
    ]);
    expect(signIn.status).toBe(200);
    const token: string = signIn.body.access_token;
    expect(signIn.body).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
    expect((await curl(['-H', `Authorization: Bearer ${token}`, `${suite.server.baseUrl}/api/v1.0/user/me`])).body.data).toMatchObject({ username: device.login });

    const created = await json(token, 'POST', `${suite.server.baseUrl}/api/v1.0/activity/events`, event(12));
    expect(created.status).toBe(201);
    const { id, url } = created.body.data;
    expect(url).toBe(`${suite.server.baseUrl}/api/v1.0/activity/event/${id}`);
    // The answer was lost and the connector sends the same event again: the same event.
    const resent = await json(token, 'POST', `${suite.server.baseUrl}/api/v1.0/activity/events`, event(12));
    expect(resent.body.data.id).toBe(id);

    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 9)]);
    writeFileSync(join(work, 'IMG_0001.jpg'), photo);
    const file = await curl(['-H', `Authorization: Bearer ${token}`, '-F', `filecontent.file=@${join(work, 'IMG_0001.jpg')};filename=Photo1.jpg;type=image/jpeg`, `${url}/files/`]);
    expect(file.status).toBe(201);
    expect((await json(token, 'POST', `${url}/notes/`, { text: 'seen again at dusk' })).status).toBe(201);
    expect((await json(token, 'PATCH', url, event(14))).status).toBe(200);

    const rows = await settledFeed();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id,
      kind: 'sighting',
      latitude: -24.1,
      longitude: 31.5,
      observedAt: '2026-03-01T10:00:00.000+02:00',
      data: { event_type: 'wildlife_sighting_rep', event_details: { wildlifesightingrep_numberanimals: 14 }, notes: ['seen again at dusk'] },
    });
    // The photo completes revision 1; the note and the edit are revisions 2 and 3.
    expect(rows[0].revision).toBe(3);
    expect(rows[0].attachments).toEqual([{ name: 'Photo1.jpg', contentType: 'image/jpeg', size: photo.length, sha256: createHash('sha256').update(photo).digest('hex') }]);
    const fetched = join(work, 'fetched.jpg');
    expect((await curl(['-o', fetched, '-H', `Authorization: Bearer ${suite.admin.token}`, `${suite.server.baseUrl}/api/v1/projects/er/attachments/${rows[0].attachments[0].sha256}`])).status).toBe(
      200,
    );
    expect(readFileSync(fetched)).toEqual(photo);
  });

  it("refuses a wrong token (401, so the connector asks to sign in again) and another project's event (404)", async () => {
    expect((await json('0000.wrong', 'POST', `${suite.server.baseUrl}/api/v1.0/activity/events`, event(1))).status).toBe(401);
    const wrongSignIn = await curl(['-X', 'POST', '-d', `grant_type=password&username=${device.login}&password=nope`, `${suite.server.baseUrl}/oauth2/token`]);
    expect(wrongSignIn.status).toBe(401);
    const [row] = await settledFeed();
    const patched = await json(stranger.secret, 'PATCH', `${suite.server.baseUrl}/api/v1.0/activity/event/${row.id}`, event(99));
    expect(patched.status).toBe(404);
    expect((await settledFeed())[0].data.event_details.wildlifesightingrep_numberanimals).toBe(14);
  });

  it('reads the same event sent to /upload, and refuses an event without a type with a reason', async () => {
    const upload = await uploadAsDevice(suite.server.baseUrl, device, Buffer.from(JSON.stringify({ ...event(3), time: '2026-03-02T08:00:00.000+02:00' })));
    expect(upload.status).toBe(202);
    expect(await suite.admin.settled(upload.body.batches[0].id)).toMatchObject({ status: 'consolidated', format: 'earthranger-event' });
    const refused = await json(device.secret, 'POST', `${suite.server.baseUrl}/api/v1.0/activity/events`, { time: 'now' });
    expect(refused.status).toBe(400);
    expect(refused.body.status.message).toMatch(/no event_type/);
  });

  it('keeps SMART alerts as kind alert with their level, type and conservation area (sent to /upload)', async () => {
    // An alert and a position ping as ctmobile cpp/SMART/SMARTProvider.cpp builds them (sightingToJson, uploadPing6).
    const upload = await uploadAsDevice(suite.server.baseUrl, device, readFileSync('test/fixtures/cybertracker/smart-alerts.geojson'));
    await suite.admin.settled(upload.body.batches[0].id);
    const alerts = await suite.admin.allSightings('er', '&kind=alert');
    expect(alerts.map((row) => row.id).sort()).toEqual(['alert-1', 'ping-1']);
    expect(alerts.find((row) => row.id === 'ping-1').data).toEqual({
      alert: { level: 5, typeUuid: '2f0c5a2e-7d7c-4e8a-9e61-8c2c8b3f6a10', caUuid: '6f1c7a3e-1111-4c3b-9a77-0d9e6c1d2e3f', patrolId: 'p-9', description: '' },
    });
  });
});
