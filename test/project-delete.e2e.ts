import { describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { uploadAsDevice } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSuite } from './support/suite.js';

/** Every table that holds a project's id, and how to count the rows of one project in it. */
const ROWS_OF_PROJECT: [string, (id: string) => string][] = [
  ...['sighting', 'sighting_version', 'batch', 'device', 'attachment', 'source', 'form', 'subscription', 'membership', 'project_feed', 'submission_instance'].map(
    (table) => [table, (id: string) => `project_id = '${id}'`] as [string, (id: string) => string],
  ),
  ['rejection', (id) => `batch_id IN (SELECT id FROM batch WHERE project_id = '${id}')`],
  ['project', (id) => `id = '${id}'`],
];

const REFUSE_PROJECT_DELETE: Record<StoreKind, string[]> = {
  postgres: [
    `CREATE FUNCTION refuse_project_delete() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`,
    'CREATE TRIGGER refuse_project_delete BEFORE DELETE ON project FOR EACH ROW EXECUTE FUNCTION refuse_project_delete()',
  ],
  sqlite: [`CREATE TRIGGER refuse_project_delete BEFORE DELETE ON project BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`],
};

describe.each<StoreKind>(['sqlite', 'postgres'])('deleting a project on %s', (kind) => {
  const suite = fieldSyncSuite(kind);

  it('takes everything of the project in one step, after a confirmation, and nothing of another', async () => {
    const kruger = await suite.admin.createProject('kruger');
    await suite.admin.createProject('serengeti');
    const ranger = await suite.admin.createDevice('kruger');
    const warden = await suite.admin.createDevice('serengeti');
    const shared = featureCollection([feature(), feature()]);
    const edited = feature();
    for (const [device, body] of [
      [ranger, shared],
      [ranger, featureCollection([edited, feature(), feature()])],
      [ranger, featureCollection([{ ...edited, properties: { ...edited.properties, dateTime: '2026-03-02T10:00:00+02:00' } }])],
      [ranger, Buffer.from('{"type":"FeatureCollection","features":[{"type":')],
      [warden, shared],
    ] as const) {
      expect((await uploadAsDevice(suite.server.baseUrl, device, body)).status).toBe(202);
    }
    const onlyKruger = (await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'kruger export', role: 'read-only', projects: ['kruger'] })).token;
    const both = (await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'both', role: 'read-only', projects: ['kruger', 'serengeti'] })).token;
    const serengetiFeed = await suite.admin.allSightings('serengeti');
    const [serengetiBatch] = (await suite.admin.expect(200, 'GET', '/api/v1/projects/serengeti/batches')).batches;
    const blobsBefore = await suite.store.count('blob');

    const unconfirmed = await suite.admin.call('DELETE', '/api/v1/projects/kruger');
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.detail).toContain('to confirm, repeat its slug (confirm=kruger)');
    expect((await suite.admin.call('DELETE', '/api/v1/projects/kruger?confirm=serengeti')).status).toBe(400);
    const limited = await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'kruger admin', role: 'admin', projects: ['kruger'] });
    expect((await new AdminClient(suite.server.baseUrl, limited.token).call('DELETE', '/api/v1/projects/kruger?confirm=kruger')).status).toBe(403);

    // A failure at the very last step leaves the whole project as it was.
    for (const statement of REFUSE_PROJECT_DELETE[kind]) await suite.store.execute(statement);
    expect((await suite.admin.call('DELETE', '/api/v1/projects/kruger?confirm=kruger')).status).toBe(500);
    for (const table of ['sighting', 'batch', 'device', 'project_feed']) expect(await suite.store.count(table, `project_id = '${kruger.id}'`), table).toBeGreaterThan(0);
    expect(await suite.admin.allSightings('kruger')).toHaveLength(5);
    await suite.store.execute('DROP TRIGGER refuse_project_delete' + (kind === 'postgres' ? ' ON project' : ''));

    const deleted = await suite.admin.expect(200, 'DELETE', '/api/v1/projects/kruger?confirm=kruger');
    expect(deleted).toEqual({
      slug: 'kruger',
      deleted: { sightings: 5, revisions: 1, batches: 4, devices: 1, attachments: 0, sources: 0, forms: 0, subscriptions: 0, files: 3, tokensRevoked: 2 },
    });
    for (const [table, where] of ROWS_OF_PROJECT) expect(await suite.store.count(table, where(kruger.id)), table).toBe(0);
    // The file both projects sent is stored once and stays for serengeti; kruger's own three go.
    expect(await suite.store.count('blob')).toBe(blobsBefore - 3);
    expect((await suite.admin.call('GET', '/api/v1/projects/kruger/overview')).status).toBe(404);
    expect((await uploadAsDevice(suite.server.baseUrl, ranger, shared)).status).toBe(401);
    expect((await new AdminClient(suite.server.baseUrl, onlyKruger).call('GET', '/api/v1/projects')).status).toBe(401);
    expect((await new AdminClient(suite.server.baseUrl, both).call('GET', '/api/v1/projects')).body.projects.map((p: { slug: string }) => p.slug)).toEqual(['serengeti']);

    expect(await suite.admin.allSightings('serengeti')).toEqual(serengetiFeed);
    const original = await suite.admin.call('GET', `/api/v1/projects/serengeti/batches/${serengetiBatch.id}/file`);
    expect(original.status).toBe(200);
    expect(JSON.stringify(original.body)).toBe(JSON.stringify(JSON.parse(shared.toString())));
  });
});
