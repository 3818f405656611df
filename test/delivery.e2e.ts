import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { curl, uploadAsDevice } from './support/curl.js';
import { ADMIN_TOKEN, FieldSyncProcess, StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { run } from './support/run.js';
import { fieldSyncSite } from './support/suite.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** How long the receiver answers 500, and then how long it is off the network. */
const OUTAGE_MS = 60_000;

const ENV = {
  FIELDSYNC_SECRET_KEY: 'delivery-e2e-secret-key-0123456789abcdef',
  // The receiver runs on this machine: the operator allows loopback for this test.
  DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true',
  DELIVERY_POLL_MS: '200',
  DELIVERY_MAX_BACKOFF_MS: '2000',
  DELIVERY_FAILING_AFTER_MS: '5000',
  DELIVERY_TIMEOUT_MS: '3000',
};

describe.each<StoreKind>(['sqlite', 'postgres'])('outbound delivery to a webhook receiver on %s', (kind) => {
  const site = fieldSyncSite(kind);
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-delivery-'));
  let gateway: FieldSyncProcess;
  let consolidator: FieldSyncProcess;
  let secondConsolidator: FieldSyncProcess;
  let admin: AdminClient;
  let receiver: WebhookReceiver;
  let device: { login: string; secret: string };
  let subscriptionId: string;
  let sent = 0;

  beforeAll(async () => {
    // Two consolidators deliver side by side: each range must still go out once.
    [gateway, consolidator, secondConsolidator, receiver] = await Promise.all([
      site.start({ roles: 'gateway,ftp-ingest', env: ENV }),
      site.start({ roles: 'consolidator', env: ENV }),
      site.start({ roles: 'consolidator', env: ENV }),
      WebhookReceiver.start(),
    ]);
    admin = new AdminClient(gateway.baseUrl);
    await admin.createProject('mara');
    device = await admin.createDevice('mara');
    const subscription = await admin.expect(201, 'POST', '/api/v1/projects/mara/subscriptions', { name: 'receiver', url: receiver.url, batchSize: 100 });
    expect(subscription.secret).toHaveLength(32);
    receiver.secret = subscription.secret;
    subscriptionId = subscription.id;
  });

  afterAll(async () => {
    await receiver?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const file = (n: number) => featureCollection(Array.from({ length: n }, () => feature({ species: 'Wildebeest' })));
  async function sendOverHttp(n: number) {
    expect((await uploadAsDevice(gateway.baseUrl, device, file(n))).status).toBe(202);
    sent += n;
  }
  async function sendOverFtp(n: number, name: string) {
    writeFileSync(join(work, name), file(n));
    expect((await curl(['-T', join(work, name), '--user', `${device.login}:${device.secret}`, `ftp://127.0.0.1:${gateway.ftpPort}/CTData/${name}`])).exitCode).toBe(0);
    sent += n;
  }
  const distinct = () => new Set(receiver.sightings.map((sighting) => `${sighting.id}#${sighting.revision}`)).size;
  const allArrived = (timeoutMs: number) => waitFor(`${sent} sightings at the receiver`, async () => distinct() >= sent, timeoutMs, 200);
  function expectOnceInSeqOrder() {
    const seqs = receiver.sightings.map((sighting) => sighting.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(distinct()).toBe(receiver.sightings.length);
    expect(receiver.badSignatures).toBe(0);
  }

  it('delivers 10,000 sightings sent over HTTP and FTP exactly once, in seq order, each POST signed', async () => {
    for (let index = 0; index < 5; index++) {
      await sendOverHttp(1000);
      await sendOverFtp(1000, `herd-${index}.geojson`);
    }
    await allArrived(180_000);
    expectOnceInSeqOrder();
    expect(receiver.sightings).toHaveLength(10_000);
    // Two consolidators, no failure: not one range was sent twice.
    expect(receiver.duplicateDeliveries).toBe(0);
    expect(secondConsolidator.roles).toBe('consolidator');
    const [state] = (await admin.expect(200, 'GET', '/api/v1/projects/mara/subscriptions')).subscriptions;
    expect(state).toMatchObject({ id: subscriptionId, state: 'ok', attempts: 0, lastError: null, pendingTo: null });
    expect(state.secret).toBeUndefined();
    const cli = await run(process.execPath, [resolve('dist/apps/cli/src/main.js'), '--json', 'admin', '--server', gateway.baseUrl, '--token', ADMIN_TOKEN, 'subscriptions', 'list', 'mara'], {
      timeoutMs: 30_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).subscriptions[0]).toMatchObject({ id: subscriptionId, state: 'ok', cursor: expect.any(Number) });
  });

  it('sends an edit as revision 2 after revision 1, each as it was stored', async () => {
    const first = feature({ id: 'edited-1', species: 'Topi', count: 1 });
    expect((await uploadAsDevice(gateway.baseUrl, device, featureCollection([first]))).status).toBe(202);
    sent++;
    await allArrived(30_000);
    const edited = { ...first, properties: { ...first.properties, sighting: { Species: 'Topi', Count: 4 } } };
    expect((await uploadAsDevice(gateway.baseUrl, device, featureCollection([edited]))).status).toBe(202);
    sent++;
    await allArrived(30_000);
    const versions = receiver.sightings.filter((sighting) => sighting.id === 'edited-1');
    expect(versions.map(({ revision, data }) => ({ revision, count: data.Count }))).toEqual([
      { revision: 1, count: 1 },
      { revision: 2, count: 4 },
    ]);
    expect(versions[1]!.seq).toBeGreaterThan(versions[0]!.seq);
  });

  it('sends a subscription made later the whole history, each replaced version at its seq', async () => {
    await admin.createProject('history');
    const ranger = await admin.createDevice('history');
    const herd = Array.from({ length: 30 }, (_, index) => feature({ id: `eland-${index}`, species: 'Eland', count: 1 }));
    const edits = herd.filter((_, index) => index % 3 === 0).map((first) => ({ ...first, properties: { ...first.properties, sighting: { Species: 'Eland', Count: 2 } } }));
    for (const sightings of [herd, edits]) expect((await uploadAsDevice(gateway.baseUrl, ranger, featureCollection(sightings))).status).toBe(202);
    const edited = async () => (await admin.expect<{ sightings: { revision: number }[] }>(200, 'GET', '/api/v1/projects/history/sightings?limit=100')).sightings.filter((row) => row.revision === 2);
    await waitFor('the edits merged', async () => (await edited()).length === edits.length, 30_000);
    const late = await WebhookReceiver.start();
    try {
      // Pages of 7 mix versions still current (in `sighting`) with replaced ones (in `sighting_version`).
      const subscription = await admin.expect(201, 'POST', '/api/v1/projects/history/subscriptions', { name: 'late', url: late.url, batchSize: 7 });
      late.secret = subscription.secret;
      await waitFor('the history at the late receiver', async () => late.sightings.length >= 40, 60_000);
      expect(late.sightings.map((sighting) => sighting.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
      expect(late.sightings.map(({ id, revision, data }) => `${id}#${revision}:${data.Count}`)).toEqual([
        ...herd.map((_, index) => `eland-${index}#1:1`),
        ...herd.flatMap((_, index) => (index % 3 === 0 ? [`eland-${index}#2:2`] : [])),
      ]);
      expect(late.badSignatures).toBe(0);
      // Every field as the feed shows the same version (on PostgreSQL the database writes the body).
      const feed = (await admin.expect<{ sightings: Record<string, unknown>[] }>(200, 'GET', '/api/v1/projects/history/sightings?limit=100')).sightings;
      const current = feed.find((row) => row.id === 'eland-1')!;
      const { deviceLogin, ...asFeedShowsIt } = current;
      expect(deviceLogin).toBe(ranger.login);
      delete asFeedShowsIt.deviceName;
      const delivered = late.sightings.find((sighting) => sighting.id === 'eland-1')!;
      expect(delivered).toEqual({ ...asFeedShowsIt, receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      // In the feed's order too: one list of members writes both on PostgreSQL (sightingJsonMembers).
      expect(Object.keys(delivered)).toEqual([...Object.keys(asFeedShowsIt), 'receivedAt']);
      await admin.expect(204, 'DELETE', `/api/v1/projects/history/subscriptions/${subscription.id}`);
    } finally {
      await late.stop();
    }
  });

  it("sends a subscription in EarthRanger's shape each version as an event, in seq order", async () => {
    await admin.createProject('ranger-events');
    const ranger = await admin.createDevice('ranger-events');
    const herd = [
      feature({ id: 'er-1', species: 'Elephant', count: 3, latitude: -2.5, longitude: 37.25 }),
      feature({ id: 'er-2', species: 'Rhino', count: 1, latitude: -2.75, longitude: 37.5 }),
      feature({ id: 'er-3', species: 'Lion', count: 2, latitude: -2.25, longitude: 37 }),
    ];
    expect((await uploadAsDevice(gateway.baseUrl, ranger, featureCollection(herd))).status).toBe(202);
    const edited = { ...herd[0]!, properties: { ...herd[0]!.properties, sighting: { Species: 'Elephant', Count: 5 } } };
    expect((await uploadAsDevice(gateway.baseUrl, ranger, featureCollection([edited]))).status).toBe(202);
    const er = await WebhookReceiver.start();
    try {
      // Pages of 2: the ranges follow each other under one claim.
      const subscription = await admin.expect(201, 'POST', '/api/v1/projects/ranger-events/subscriptions', { name: 'earthranger', url: er.url, format: 'earthranger', batchSize: 2 });
      er.secret = subscription.secret;
      await waitFor('four events at the receiver', async () => er.events.length >= 4, 60_000);
      expect(er.events.map((event) => [event.id, event.serial_number, event.event_type, event.revision, (event.event_details as { Count: number }).Count])).toEqual([
        ['er-1', 1, 'Elephant', 1, 3],
        ['er-2', 2, 'Rhino', 1, 1],
        ['er-3', 3, 'Lion', 1, 2],
        ['er-1', 4, 'Elephant', 2, 5],
      ]);
      expect(er.events[1]).toMatchObject({ time: '2026-03-01T10:00:00+02:00', location: { latitude: -2.75, longitude: 37.5 }, state: 'new' });
      expect(er.badSignatures).toBe(0);
      expect(er.posts).toBe(2);
      await admin.expect(204, 'DELETE', `/api/v1/projects/ranger-events/subscriptions/${subscription.id}`);
    } finally {
      await er.stop();
    }
  });

  it(
    'keeps its place through a receiver failing for a minute and down for another, shows it failing, then sends everything',
    async () => {
      receiver.mode = 'fail';
      await sendOverHttp(300);
      await waitFor('the subscription to show failing', async () => (await admin.expect(200, 'GET', '/api/v1/projects/mara/subscriptions')).subscriptions[0].state === 'failing', 30_000);
      const failing = (await admin.expect(200, 'GET', '/api/v1/projects/mara/subscriptions')).subscriptions[0];
      expect(failing.lastError).toContain('the receiver answered 500');
      expect((await fetch(`${gateway.baseUrl}/metrics`).then((answer) => answer.text())).split('\n')).toContain('fieldsync_subscriptions{state="failing"} 1');
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await receiver.stop();
      await sendOverFtp(300, 'during-outage.geojson');
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      expect((await admin.expect(200, 'GET', '/api/v1/projects/mara/subscriptions')).subscriptions[0].lastError).toMatch(/ECONNREFUSED|connect/);
      receiver.mode = 'ok';
      await receiver.listen();
      await allArrived(60_000);
      expectOnceInSeqOrder();
      await waitFor('the subscription to be ok again', async () => (await admin.expect(200, 'GET', '/api/v1/projects/mara/subscriptions')).subscriptions[0].state === 'ok', 10_000);
    },
    4 * OUTAGE_MS,
  );

  it('loses nothing when the consolidator is killed with -9 in the middle of a delivery', async () => {
    receiver.delayMs = 400;
    const postsBefore = receiver.posts;
    await sendOverHttp(1000);
    await waitFor('deliveries under way', async () => receiver.posts >= postsBefore + 2, 30_000);
    await consolidator.kill();
    receiver.delayMs = 0;
    consolidator = await site.relaunch(consolidator);
    await allArrived(60_000);
    expectOnceInSeqOrder();
    // A range cut off by the kill may have come twice: only ever under the same key, which the receiver dropped.
    expect(receiver.sightings).toHaveLength(sent);
  });

  it('refuses a URL to this machine without the operator setting', async () => {
    const plain = await site.start({ roles: 'gateway', env: { FIELDSYNC_SECRET_KEY: ENV.FIELDSYNC_SECRET_KEY } });
    const refused = await new AdminClient(plain.baseUrl).call('POST', '/api/v1/projects/mara/subscriptions', { name: 'inside', url: 'http://127.0.0.1:9/hook' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('DELIVERY_ALLOW_PRIVATE_NETWORKS');
    // Every spelling of this machine's address inside IPv6, and of a private one, is the same address.
    for (const host of ['[::127.0.0.1]', '[::ffff:0:127.0.0.1]', '[::ffff:127.0.0.1]', '[64:ff9b::10.0.0.1]', '[::]', '[2002:7f00:1::1]']) {
      const spelled = await new AdminClient(plain.baseUrl).call('POST', '/api/v1/projects/mara/subscriptions', { name: 'inside', url: `http://${host}:9/hook` });
      expect(spelled.status, host).toBe(400);
      expect(spelled.body.detail, host).toContain('DELIVERY_ALLOW_PRIVATE_NETWORKS');
    }
    await plain.stop();
  });

  it("shows a viewer where deliveries go, not the receiver's token in the query string", async () => {
    const url = `${receiver.url}?token=receiver-secret-123`;
    const made = await admin.expect(201, 'POST', '/api/v1/projects/mara/subscriptions', { name: 'with a token', url, startAt: 'now' });
    await admin.expect(201, 'POST', '/api/v1/people', { login: 'vic', password: 'a viewer password' });
    const vic = (await admin.expect(200, 'GET', '/api/v1/people')).people.find((person: { login: string }) => person.login === 'vic');
    await admin.expect(200, 'PUT', `/api/v1/people/${vic.id}/projects/mara`, { role: 'viewer' });
    const signIn = await fetch(`${gateway.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'vic', password: 'a viewer password' }),
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const asViewer = (await (await fetch(`${gateway.baseUrl}/api/v1/projects/mara/subscriptions`, { headers: { cookie } })).json()) as { subscriptions: { id: string; url: string }[] };
    const reader = await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'reader', role: 'read-only', projects: ['mara'] });
    const asReader = await new AdminClient(gateway.baseUrl, reader.token).expect(200, 'GET', '/api/v1/projects/mara/subscriptions');
    for (const list of [asViewer, asReader]) {
      const shown = list.subscriptions.find((subscription: { id: string }) => subscription.id === made.id)!;
      expect(shown.url).toBe(new URL(receiver.url).origin + new URL(receiver.url).pathname);
      expect(JSON.stringify(list)).not.toContain('receiver-secret-123');
    }
    const asManager = await admin.expect(200, 'GET', '/api/v1/projects/mara/subscriptions');
    expect(asManager.subscriptions.find((subscription: { id: string }) => subscription.id === made.id).url).toBe(url);
    await admin.expect(204, 'DELETE', `/api/v1/projects/mara/subscriptions/${made.id}`);
  });
});
