import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { STORES_AND_QUEUE_MODES, fieldSyncSuite } from './support/suite.js';

const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';

/**
 * A project admin's pull sources read only what the operator allowed: before, an admin token
 * for one project made a source at /etc and had /etc/shadow's bytes stored in its project,
 * and with deleteAfterIngest pointed at DATA_DIR deleted the SQLite database.
 */
// Scheduled and "run now" pulls go through the pull queue: in queue mode (Redis) and in embedded mode.
describe.each(STORES_AND_QUEUE_MODES)('pull sources stay where the operator allows on %s, %s mode', (kind, mode) => {
  describe('with nothing allowed (the default)', () => {
    const suite = fieldSyncSuite(kind, { env: { FIELDSYNC_SECRET_KEY: SECRET_KEY }, mode });

    it('refuses a folder source and a private network target, storing nothing and pulling nothing', async () => {
      await suite.admin.createProject('p');
      const etc = await suite.admin.call('POST', '/api/v1/projects/p/sources', { url: '/etc', everyMinutes: 1 });
      expect(etc.status).toBe(400);
      expect(etc.body.detail).toMatch(/folder sources are off on this server.*SOURCE_FOLDERS/);
      const dataDir = await suite.admin.call('POST', '/api/v1/projects/p/sources', { url: suite.store.dataDir, everyMinutes: 1, deleteAfterIngest: true });
      expect(dataDir.status).toBe(400);
      for (const url of ['ftp://127.0.0.1:6379/', 'ftp://localhost/', 'ftp://169.254.169.254/', 'ftps://[::1]:22/', 'ftp://10.0.0.1/CTData']) {
        const answer = await suite.admin.call('POST', '/api/v1/projects/p/sources', { url, everyMinutes: 1 });
        expect(answer.status, url).toBe(400);
        expect(answer.body.detail).toMatch(/private, loopback or link-local.*SOURCE_ALLOW_PRIVATE_NETWORKS=true/);
      }
      expect(await suite.store.count('source')).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await suite.store.count('batch')).toBe(0);
      expect(existsSync(join(suite.store.dataDir, 'fieldsync.sqlite')) || kind === 'postgres').toBe(true);
    });
  });

  describe('with SOURCE_FOLDERS set', () => {
    const top = mkdtempSync(join(tmpdir(), 'fieldsync-sources-'));
    const outbox = join(top, 'outbox');
    const ranger = join(outbox, 'ranger-7');
    mkdirSync(ranger, { recursive: true });
    symlinkSync('/etc', join(outbox, 'etc-link'));
    const suite = fieldSyncSuite(kind, { env: { FIELDSYNC_SECRET_KEY: SECRET_KEY, SOURCE_FOLDERS: outbox, PULL_SETTLE_MS: '0' }, mode });
    afterAll(() => rmSync(top, { recursive: true, force: true }));

    it('refuses /etc, DATA_DIR, a way up with .. and a symlink out of the allowed folder', async () => {
      await suite.admin.createProject('q');
      for (const url of ['/etc', suite.store.dataDir, join(outbox, '..', '..', 'etc'), join(outbox, 'etc-link'), '/']) {
        const answer = await suite.admin.call('POST', '/api/v1/projects/q/sources', { url, everyMinutes: 1, deleteAfterIngest: true });
        expect(answer.status, url).toBe(400);
        expect(answer.body.detail).toMatch(/not under a folder this server lets sources read/);
      }
      expect(await suite.store.count('source')).toBe(0);
    });

    it('pulls an allowed folder, skips a symlinked file, and deletes only files whose batch was consolidated', async () => {
      writeFileSync(join(ranger, 'good.geojson'), featureCollection([feature(), feature()]));
      writeFileSync(join(ranger, 'bad.geojson'), '{"type": "FeatureCollection", "features": [ {"broken": ');
      symlinkSync('/etc/passwd', join(ranger, 'passwd.csv'));
      const source = await suite.admin.expect(201, 'POST', '/api/v1/projects/q/sources', { url: ranger, everyMinutes: 60, deleteAfterIngest: true });
      await waitFor('two pulled batches', async () => (await suite.store.count('batch', `door = 'pull'`)) === 2, 30_000);
      const { batches } = await suite.admin.expect(200, 'GET', '/api/v1/projects/q/batches');
      const settled = await Promise.all(batches.map((batch: { id: string }) => suite.admin.settled(batch.id)));
      expect(settled.map((batch) => batch.status).sort()).toEqual(['consolidated', 'rejected']);
      expect(batches.map((batch: { fileName: string }) => batch.fileName).sort()).toEqual(['bad.geojson', 'good.geojson']);
      // The next run deletes what was consolidated; the rejected file stays for the admin, the symlink is not followed.
      await suite.admin.expect(202, 'POST', `/api/v1/projects/q/sources/${source.id}/run`);
      await waitFor('good.geojson deleted', async () => !existsSync(join(ranger, 'good.geojson')), 30_000);
      expect(readdirSync(ranger).sort()).toEqual(['bad.geojson', 'passwd.csv']);
      expect(await suite.store.count('batch', `door = 'pull'`)).toBe(2);
    });
  });
});
