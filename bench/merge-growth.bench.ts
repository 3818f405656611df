import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { closedLoopLoad } from './load.js';
import { BenchFigure } from './measure.js';
import { seedSightings } from './seed.js';
import { smallBatch } from './small-uploads.bench.js';

const DEVICES = 32;
const SECONDS = 10;
const LARGE = 5_000_000;

/** The server's running sum and count of one histogram, from /metrics. */
async function histogram(baseUrl: string, name: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const value = (suffix: string) => Number(new RegExp(`^${name}_${suffix} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: value('sum'), count: value('count') };
}

/** The small-uploads load on one project for SECONDS; the mean time of one group transaction and uploads per group. */
async function loadOn(server: FieldSyncProcess, admin: AdminClient, slug: string): Promise<{ groupMs: number; perGroup: number; uploads: number }> {
  const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => admin.createDevice(slug, `d${i}`)));
  const auth = devices.map((device) => ({ authorization: `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`, 'content-type': 'application/json' }));
  const [timeBefore, sizeBefore] = await Promise.all([histogram(server.baseUrl, 'fieldsync_upload_group_seconds'), histogram(server.baseUrl, 'fieldsync_upload_group_size')]);
  const load = await closedLoopLoad(
    `${server.baseUrl}/upload`,
    DEVICES,
    SECONDS,
    (client) => auth[client],
    (client, n) => smallBatch(client, n, slug),
  );
  const [timeAfter, sizeAfter] = await Promise.all([histogram(server.baseUrl, 'fieldsync_upload_group_seconds'), histogram(server.baseUrl, 'fieldsync_upload_group_size')]);
  const groups = timeAfter.count - timeBefore.count;
  return { groupMs: ((timeAfter.sum - timeBefore.sum) / groups) * 1000, perGroup: (sizeAfter.sum - sizeBefore.sum) / groups, uploads: load.acknowledged };
}

/**
 * Whether merging slows as a project grows: the small-uploads load on a new project (it ends
 * holding ~10k sightings) and on one holding 5 million, in the same PostgreSQL and server; the
 * figure is the mean time of one group transaction (commit of the uploads and merge of their
 * sightings), from the server's own histogram.
 */
export async function mergeGrowth(): Promise<BenchFigure> {
  const store = await StoreUnderTest.create('postgres');
  const server = await FieldSyncProcess.start({ store, redisUrl: null });
  try {
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('fresh');
    const large = await admin.createProject('large');
    await seedSightings(store, large.id, LARGE, 'seeded');
    const fresh = await loadOn(server, admin, 'fresh');
    const grown = await loadOn(server, admin, 'large');
    const ratio = grown.groupMs / fresh.groupMs;
    return {
      benchmark: 'Merge time per group of small uploads, project of ~10k vs 5M sightings (postgres)',
      figure: `${grown.groupMs.toFixed(1)} ms per group at 5M (${grown.perGroup.toFixed(1)} uploads/group, ${grown.uploads} uploads)`,
      value: Number(grown.groupMs.toFixed(1)),
      unit: 'ms per group',
      baseline: `${fresh.groupMs.toFixed(1)} ms per group on a new project (${fresh.perGroup.toFixed(1)} uploads/group, ${fresh.uploads} uploads)`,
      baselineValue: Number(fresh.groupMs.toFixed(1)),
      ratio: Number(ratio.toFixed(2)),
      goal: 'flat: ≤ 1.5 × the new project',
      met: ratio <= 1.5,
    };
  } finally {
    await server.stop();
    await store.destroy();
  }
}
