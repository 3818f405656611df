import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { waitFor } from './support/ports.js';
import { fieldSyncSuite } from './support/suite.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each<StoreKind>(['sqlite', 'postgres'])('the file-share poller on %s', (kind) => {
  const share = mkdtempSync(join(tmpdir(), 'fieldsync-share-'));
  const suite = fieldSyncSuite(kind, { env: { FILESHARE_DIRS: `${share}=kruger`, FILESHARE_SCAN_MS: '400' } });
  const batchCount = () => suite.store.count('batch', `door = 'fileshare'`);
  const listing = (sub = '') => (existsSync(join(share, sub)) ? readdirSync(join(share, sub)).sort() : []);

  beforeAll(async () => {
    await suite.admin.createProject('kruger');
  });

  afterAll(() => rmSync(share, { recursive: true, force: true }));

  it('takes a file written in chunks over three seconds once, after it is complete', async () => {
    const features = Array.from({ length: 30 }, () => feature());
    const body = featureCollection(features);
    const path = join(share, 'slow.geojson');
    const pieces = 10;
    for (let i = 0; i < pieces; i++) {
      appendFileSync(path, body.subarray(Math.floor((i * body.length) / pieces), Math.floor(((i + 1) * body.length) / pieces)));
      await sleep(300);
      expect(await batchCount(), `after piece ${i + 1} of ${pieces}`).toBe(0);
    }
    await waitFor('the file to be taken', async () => (await batchCount()) === 1 && listing(PROCESSED).includes('slow.geojson'));
    const [batch] = (await suite.admin.expect(200, 'GET', '/api/v1/projects/kruger/batches')).batches;
    expect((await suite.admin.settled(batch.id)).counts).toMatchObject({ records: 30, new: 30 });
    expect(listing()).not.toContain('slow.geojson');
    await sleep(1500);
    expect(await batchCount()).toBe(1);
  });

  it('moves a broken file to failed/ with its reason beside it', async () => {
    writeFileSync(join(share, 'broken.geojson'), '{"type":"FeatureCollection","features":[{"type":"Feat');
    await waitFor('the broken file in failed/', async () => listing(FAILED).includes('broken.geojson.error.txt'), 30_000);
    expect(readFileSync(join(share, FAILED, 'broken.geojson.error.txt'), 'utf8')).toMatch(/rejected: the file is not valid JSON/);
    expect(listing(PROCESSED)).not.toContain('broken.geojson');
  });

  it('says once that a subfolder is not read, and leaves its files alone', async () => {
    const before = await batchCount();
    mkdirSync(join(share, 'day1'));
    writeFileSync(join(share, 'day1', 'later.geojson'), featureCollection([feature()]));
    await waitFor('the word about the subfolder', async () => suite.server.logs.includes(`${join(share, 'day1')}/ is a subfolder and is not read: put files directly in ${share}`));
    await sleep(1500);
    expect(suite.server.logs.split(`${join(share, 'day1')}/ is a subfolder`)).toHaveLength(2);
    expect(await batchCount()).toBe(before);
    expect(listing('day1')).toEqual(['later.geojson']);
    expect(suite.server.logs).not.toMatch(/(processed|failed)\/ is a subfolder/);
    rmSync(join(share, 'day1'), { recursive: true });
  });

  it('does not follow a symlink planted in the folder', async () => {
    const before = await batchCount();
    symlinkSync('/etc/passwd', join(share, 'passwd.geojson'));
    await sleep(1500);
    expect(await batchCount()).toBe(before);
    expect(listing()).toContain('passwd.geojson');
    rmSync(join(share, 'passwd.geojson'));
  });

  it('takes a CTX file renamed into place', async () => {
    const staging = mkdtempSync(join(tmpdir(), 'fieldsync-staging-'));
    copyFileSync('test/fixtures/cybertracker/Market_Research_Smiley_Interface.CTX', join(staging, 'survey.CTX'));
    // A copy keeps "now" as mtime; backdate it as a file written earlier and then renamed in.
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(staging, 'survey.CTX'), old, old);
    renameSync(join(staging, 'survey.CTX'), join(share, 'survey.CTX'));
    await waitFor('the CTX to be processed', async () => listing(PROCESSED).includes('survey.CTX'));
    rmSync(staging, { recursive: true, force: true });
  });

  it('ingests nothing twice when restarted in the middle of a scan', async () => {
    const before = await batchCount();
    const files = Array.from({ length: 20 }, (_, i) => ({ name: `batch-${i}.geojson`, body: featureCollection([feature(), feature()]) }));
    const staging = mkdtempSync(join(tmpdir(), 'fieldsync-staging-'));
    for (const file of files) writeFileSync(join(staging, file.name), file.body);
    const old = new Date(Date.now() - 60_000);
    for (const file of files) {
      utimesSync(join(staging, file.name), old, old);
      renameSync(join(staging, file.name), join(share, file.name));
    }
    await waitFor('the first files to be taken', async () => (await batchCount()) > before, 30_000, 20);
    await suite.restart('kill', () => {
      // As if the crash came after a commit and before the move: a taken file is back in the folder.
      const processed = listing(PROCESSED).filter((name) => name.startsWith('batch-'));
      if (processed.length > 0) copyFileSync(join(share, PROCESSED, processed[0]), join(share, processed[0]));
    });
    await waitFor('every file processed', async () => listing().filter((name) => name.startsWith('batch-')).length === 0, 60_000);
    expect(await batchCount()).toBe(before + files.length);
    expect(new Set(listing(PROCESSED).filter((name) => name.startsWith('batch-'))).size).toBeGreaterThanOrEqual(files.length);
    rmSync(staging, { recursive: true, force: true });
  });
});

const PROCESSED = 'processed';
const FAILED = 'failed';
