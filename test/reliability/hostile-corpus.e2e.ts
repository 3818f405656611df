import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, CurlResult } from '../support/curl.js';
import { ADMIN_TOKEN } from '../support/fieldsync-process.js';
import { feature, featureCollection } from '../support/geojson.js';
import { Cluster } from './harness/cluster.js';
import { DeviceCredentials } from './harness/simulated-device.js';
import { recordScenario } from './harness/summary.js';

const CORPUS = join(process.cwd(), 'test/reliability/corpus');
/** Files that are hostile to a reader but are data after all: kept, stored as sent, exported escaped. */
const READ_AS_DATA = new Set([
  'geojson/control-characters.geojson', // stored as sent, escaped on the way out
  'geojson/same-id-twice.geojson', // the later version wins, as for any edit
  'geojson/many-keys.geojson', // 50,000 fields, under the size limit
  'csv/formula-injection.csv', // a cell that looks like a formula is data; the CSV export defuses it
  'csv/bad-utf8.csv', // invalid bytes become U+FFFD, as every text reader does
  'openrosa/bad-utf8.xml',
]);

interface Outcome {
  file: string;
  status: number;
  batch: string;
  refused: boolean;
}

function corpusFiles(): string[] {
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((folder) => readdirSync(join(CORPUS, folder.name)).map((name) => `${folder.name}/${name}`))
    .sort();
}

/**
 * Every file of test/reliability/corpus/ (made by make_corpus.py: truncations, wrong types, huge
 * numbers, deep nesting, bad UTF-8, bombs, path tricks) sent through the door its format uses.
 * Each must be refused with a reason — or, for the few that are odd data rather than attacks,
 * stored — and the server must keep serving with bounded memory.
 */
describe('hostile input: the corpus', { timeout: 600_000 }, () => {
  let cluster: Cluster;
  let device: DeviceCredentials;

  beforeAll(async () => {
    cluster = await Cluster.start({ gateways: 1, consolidators: 1, env: { MAX_UPLOAD_BYTES: '64mb' } });
    [device] = await cluster.createProject('hostile', 1);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  function send(file: string): Promise<CurlResult> {
    const path = join(CORPUS, file);
    const auth = ['-u', `${device.login}:${device.secret}`, '--max-time', '120'];
    const base = cluster.gatewayUrls()[0];
    if (file.startsWith('openrosa/')) return curl([...auth, '-F', `xml_submission_file=@${path};type=text/xml`, `${base}/submission`]);
    if (file.startsWith('gzip/')) return curl([...auth, '-H', 'Content-Encoding: gzip', '-H', 'X-File-Name: bomb.geojson', '--data-binary', `@${path}`, `${base}/upload`]);
    return curl([...auth, '-H', `X-File-Name: ${file.split('/')[1]}`, '--data-binary', `@${path}`, `${base}/upload`]);
  }

  it('refuses each hostile file with a reason, keeps the good records beside bad ones, and keeps serving', async () => {
    const outcomes: Outcome[] = [];
    for (const file of corpusFiles().filter((name) => !name.endsWith('.py'))) {
      const answer = await send(file);
      const ids: string[] = answer.body?.batches?.map((batch: { id: string }) => batch.id) ?? [];
      let batch = '';
      let refused = answer.status >= 400 && answer.status < 500;
      for (const id of ids) {
        const settled = await cluster.admin.settled(id, 120_000);
        batch = `${settled.status} ${settled.counts.records ?? ''}/${settled.rejections.length} ${settled.error ?? settled.rejections[0]?.reason ?? ''}`.slice(0, 110);
        if (settled.status === 'rejected' || settled.rejections.length > 0 || settled.error) refused = true;
        if (settled.status === 'rejected') expect(settled.error, `${file}: a rejected batch says why`).toMatch(/\w{5}/);
      }
      outcomes.push({ file, status: answer.status, batch, refused });
    }
    console.table(outcomes);

    // Never a server error, never a batch given up on, nothing left half-done.
    expect(outcomes.filter((o) => o.status >= 500 || o.status === 0)).toEqual([]);
    expect(await cluster.store.count('batch', "status NOT IN ('consolidated', 'rejected')")).toBe(0);
    expect(outcomes.filter((o) => !o.refused && !READ_AS_DATA.has(o.file)).map((o) => o.file)).toEqual([]);

    // The good records of a file with bad ones are kept; the bad ones are listed by index.
    const mixed = await cluster.store.query<{ id: string }>("SELECT id FROM batch WHERE file_name = 'mixed-good-and-bad.geojson'");
    const report = await cluster.admin.batch(mixed[0].id);
    expect(report.status).toBe('consolidated');
    expect(report.rejections.map((r) => r.index)).toEqual([1, 3]);
    expect(report.counts.new + report.counts.updated + report.counts.duplicate).toBe(3); // ids recur across the corpus
    // A file of several blob chunks but under the small-file size (828 KB) is read whole, every chunk once.
    const [manyKeys] = await cluster.store.query<{ status: string; error: string | null; records_count: number | string }>(
      "SELECT status, error, records_count FROM batch WHERE file_name = 'many-keys.geojson'",
    );
    expect({ ...manyKeys, records_count: Number(manyKeys.records_count) }).toEqual({ status: 'consolidated', error: null, records_count: 1 });
    // No entity was expanded: nothing of /etc/passwd and no "lollol" in what was stored.
    const stored = await cluster.store.query<{ data: unknown }>('SELECT data FROM sighting');
    expect(JSON.stringify(stored)).not.toMatch(/root:x:0|lollollol/);
    // A CSV export never starts a cell with a formula.
    const csv = await curl(['-H', `Authorization: Bearer ${ADMIN_TOKEN}`, `${cluster.gatewayUrls()[0]}/api/v1/projects/hostile/sightings?format=csv`]);
    expect(String(csv.body)).not.toMatch(/(^|,)"?=HYPERLINK/m);

    // Still serving: a valid file goes through, and memory stayed bounded.
    const ok = await curl(['-u', `${device.login}:${device.secret}`, '--data-binary', '@-', `${cluster.gatewayUrls()[0]}/upload`], featureCollection([feature()]));
    expect(ok.status).toBe(202);
    expect((await cluster.admin.settled(ok.body.batches[0].id)).status).toBe('consolidated');
    for (const process of [...cluster.gateways, ...cluster.consolidators]) {
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${process.pid}/status`, 'utf8'))![1]);
      console.log(`${process.roles}: peak RSS ${Math.round(peakKb / 1024)} MB`);
      expect(peakKb, `${process.roles} peak RSS`).toBeLessThan(768 * 1024);
    }
    expect(cluster.leakedSecrets()).toEqual([]);
    recordScenario('hostile corpus (every format)', { hostileTried: outcomes.length, hostileRefused: outcomes.filter((o) => o.refused).length });
  });
});
