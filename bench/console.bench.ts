import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { AdminClient } from '../test/support/admin-client.js';
import { launchChromium } from '../test/support/browser.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { BenchFigure } from './measure.js';

const ROWS = 1_000_000;
const RUNS = 3;
const PASSWORD = 'benchmark password';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Seconds for one bare API call, as curl makes it. */
function timedCall(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('curl', ['-sS', '-f', '-o', '/dev/null', '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, url]);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`curl exited ${code}`))));
  });
}

/** The console's JavaScript as a browser downloads it: every built script, gzipped. */
function consoleScriptGzipBytes(): number {
  const assets = join(process.cwd(), 'dist', 'console', 'assets');
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .reduce((sum, name) => sum + gzipSync(readFileSync(join(assets, name)), { level: 9 }).length, 0);
}

/**
 * With 1,000,000 sightings in a project (PostgreSQL), the time from opening the sightings page
 * and the map page in Chromium until they show data, beside the bare API call each waits on.
 */
export async function consolePages(): Promise<BenchFigure[]> {
  const [store, redis] = await Promise.all([StoreUnderTest.create('postgres'), PrivateRedis.start()]);
  const gateway = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'gateway' });
  const browser = await launchChromium();
  try {
    const admin = new AdminClient(gateway.baseUrl);
    const project = await admin.createProject('bench');
    await admin.expect(201, 'POST', '/api/v1/people', { login: 'bench', password: PASSWORD, siteAdmin: true });
    // Spread over southern and eastern Africa, three kinds, twelve species: what the map clusters.
    await store.query(`INSERT INTO sighting (id, project_id, uid, device_id, kind, observed_at, latitude, longitude, accuracy, data, attachments, deleted, content_hash, revision, seq, batch_id, received_at, updated_at)
      SELECT md5(i::text), '${project.id}', 'console-' || i, 'ct-' || (i % 32), (ARRAY['sighting','sighting','sighting','waypoint','alert'])[1 + i % 5],
        '2026-03-' || lpad((1 + i % 28)::text, 2, '0') || 'T10:00:00+02:00', -34 + (i % 4111) * 0.009, 15 + ((i * 7) % 3779) * 0.008, 4,
        '{"Species":"' || (ARRAY['Lion','Leopard','Elephant','Buffalo','Rhino','Cheetah','Wild dog','Hyena','Giraffe','Zebra','Impala','Kudu'])[1 + i % 12] || '","Count":' || (i % 40) || '}',
        '[]', false, md5(i::text), 1, i, 'bench-batch', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'
      FROM generate_series(1, ${ROWS}) AS i`);
    await store.query(`UPDATE project_feed SET last_seq = ${ROWS} WHERE project_id = '${project.id}'`);
    await store.query('ANALYZE sighting');

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${gateway.baseUrl}/`);
    await page.getByLabel('Login').fill('bench');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor({ timeout: 60_000 });

    /** Seconds from loading the page afresh until `ready` holds, the first (cold) run left out. */
    const pageSeconds = async (hash: string, ready: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        await page.goto('about:blank');
        const started = performance.now();
        await page.goto(`${gateway.baseUrl}/#${hash}`);
        await ready();
        if (run > 0) times.push((performance.now() - started) / 1000);
      }
      return median(times);
    };
    const apiSeconds = async (path: string) => {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) times.push(await timedCall(`${gateway.baseUrl}${path}`));
      return median(times);
    };

    const table = await pageSeconds('/projects/bench/sightings', () => page.locator('table[aria-label="Sightings"] tbody tr').nth(49).waitFor({ timeout: 60_000 }));
    const tableApi = await apiSeconds('/api/v1/projects/bench/sightings?after=0&limit=50');
    const map = await pageSeconds('/projects/bench/map', () => page.locator('[data-drawn]:not([data-drawn=""]):not([data-drawn="0"])').waitFor({ timeout: 60_000 }));
    const mapApi = await apiSeconds('/api/v1/projects/bench/sightings/map?zoom=1');
    const scriptKb = consoleScriptGzipBytes() / 1024;

    const figure = (name: string, seconds: number, api: number, what: string): BenchFigure => ({
      benchmark: `Console: ${name} usable, 1M sightings (postgres, Chromium)`,
      figure: `${seconds.toFixed(2)} s`,
      value: Number(seconds.toFixed(3)),
      unit: 's',
      baseline: `bare ${what} ${api.toFixed(2)} s`,
      baselineValue: Number(api.toFixed(3)),
      ratio: Number((api / seconds).toFixed(3)),
      goal: '< 2 s',
      met: seconds < 2,
    });
    return [
      figure('sightings page', table, tableApi, 'GET …/sightings?limit=50'),
      figure('map page', map, mapApi, 'GET …/sightings/map?zoom=1'),
      {
        benchmark: "Console: the page's JavaScript, gzipped",
        figure: `${scriptKb.toFixed(0)} KB`,
        value: Math.round(scriptKb),
        unit: 'KB',
        baseline: '–',
        baselineValue: 0,
        ratio: null,
        goal: '< 1024 KB',
        met: scriptKb < 1024,
      },
    ];
  } finally {
    await browser.close();
    await gateway.stop();
    await redis.stop();
    await store.destroy();
  }
}
