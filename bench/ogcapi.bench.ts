import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { AdminClient } from '../test/support/admin-client.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { BenchFigure, MB, rssBytes, sampleRss } from './measure.js';
import { seedSightings } from './seed.js';

const ROWS = 1_000_000;
const PAGE = 1_000;

/** Reads pages of `PAGE` by following `next`, as GIS clients and feed readers do; rows/s. */
async function walk(first: string, nextOf: (body: any) => string | null, rowsOf: (body: any) => number): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for (let url: string | null = first; url;) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    const body = await response.json();
    rows += rowsOf(body);
    url = nextOf(body);
  }
  if (rows !== ROWS) throw new Error(`read ${rows} rows, not ${ROWS}`);
  return ROWS / ((performance.now() - started) / 1000);
}

async function timedDownload(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  for await (const _chunk of response.body!) void _chunk;
  return ROWS / ((performance.now() - started) / 1000);
}

/**
 * 1M sightings (PostgreSQL) read page by page through OGC API – Features items, beside the JSON feed's
 * pages of the same size in the same run; and a GeoPackage download beside the CSV export.
 */
export async function ogcApi(): Promise<BenchFigure[]> {
  const [store, redis] = await Promise.all([StoreUnderTest.create('postgres'), PrivateRedis.start()]);
  const gateway = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'gateway' });
  try {
    const admin = new AdminClient(gateway.baseUrl);
    const project = await admin.createProject('bench');
    await seedSightings(store, project.id, ROWS, 'ogc');
    const base = gateway.baseUrl;
    const feed = await walk(
      `${base}/api/v1/projects/bench/sightings?limit=${PAGE}`,
      (body) => (body.sightings.length === 0 ? null : `${base}/api/v1/projects/bench/sightings?limit=${PAGE}&after=${body.next}`),
      (body) => body.sightings.length,
    );
    const idle = rssBytes(gateway.pid);
    const peak = sampleRss(gateway.pid);
    const items = await walk(
      `${base}/ogcapi/collections/bench/items?limit=${PAGE}`,
      (body) => body.links.find((link: { rel: string }) => link.rel === 'next')?.href ?? null,
      (body) => body.features.length,
    );
    const rise = peak.stop() - idle;
    const csv = await timedDownload(`${base}/api/v1/projects/bench/sightings?format=csv`);
    const gpkg = await timedDownload(`${base}/api/v1/projects/bench/sightings?format=gpkg`);
    return [
      {
        benchmark: `OGC API – Features items, 1M sightings in pages of ${PAGE} (postgres)`,
        figure: `${items.toFixed(0)} rows/s, gateway RSS rise ${(rise / MB).toFixed(0)} MB`,
        value: Math.round(items),
        unit: 'rows/s',
        baseline: `the JSON feed in pages of ${PAGE}: ${feed.toFixed(0)} rows/s`,
        baselineValue: Math.round(feed),
        ratio: Number((items / feed).toFixed(3)),
        goal: '≥ 0.5 × the feed, RSS rise < 100 MB',
        met: items / feed >= 0.5 && rise < 100 * MB,
      },
      {
        benchmark: 'GeoPackage download, 1M sightings (postgres)',
        figure: `${gpkg.toFixed(0)} rows/s`,
        value: Math.round(gpkg),
        unit: 'rows/s',
        baseline: `the CSV download ${csv.toFixed(0)} rows/s`,
        baselineValue: Math.round(csv),
        ratio: Number((gpkg / csv).toFixed(3)),
        goal: '≥ 0.3 × the CSV',
        met: gpkg / csv >= 0.3,
      },
    ];
  } finally {
    await gateway.stop();
    await redis.stop();
    await store.destroy();
  }
}
