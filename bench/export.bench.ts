import { spawn } from 'node:child_process';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { AdminClient } from '../test/support/admin-client.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { timedPsql } from './baselines.js';
import { seedSightings } from './seed.js';
import { BenchFigure, MB, sampleRss } from './measure.js';

const ROWS = 1_000_000;
const COLUMNS = 'uid, device_id, kind, observed_at, latitude, longitude, altitude, accuracy, deleted, revision, seq, batch_id, data, attachments';

function curlToDevNull(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('curl', ['-sS', '-f', '-o', '/dev/null', '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, url]);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`curl exited ${code}`))));
  });
}

/** 1,000,000 sightings streamed as CSV from the download API, beside psql \copy of the same rows. */
export async function exportCsv(): Promise<BenchFigure> {
  const [store, redis] = await Promise.all([StoreUnderTest.create('postgres'), PrivateRedis.start()]);
  const gateway = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'gateway' });
  try {
    const admin = new AdminClient(gateway.baseUrl);
    const project = await admin.createProject('bench');
    // Rows are written straight into the table: this measures the export, not the ingest.
    await seedSightings(store, project.id, ROWS, 'export');

    const peak = sampleRss(gateway.pid);
    const seconds = await curlToDevNull(`${gateway.baseUrl}/api/v1/projects/bench/sightings?format=csv`);
    const peakRss = peak.stop();
    const baselineSeconds = await timedPsql(store.env.DATABASE_URL, `\\copy (SELECT ${COLUMNS} FROM sighting WHERE project_id = '${project.id}' ORDER BY seq) TO STDOUT CSV`);
    const rate = ROWS / seconds;
    const baseline = ROWS / baselineSeconds;
    return {
      benchmark: 'Export, 1M sightings as CSV from the download API (postgres)',
      figure: `${rate.toFixed(0)} rows/s, gateway peak RSS ${(peakRss / MB).toFixed(0)} MB`,
      value: Math.round(rate),
      unit: 'rows/s',
      baseline: `psql \\copy TO STDOUT ${baseline.toFixed(0)} rows/s`,
      baselineValue: Math.round(baseline),
      ratio: Number((rate / baseline).toFixed(3)),
      goal: '≥ 0.5 × \\copy, peak RSS < 200 MB',
      met: rate / baseline >= 0.5 && peakRss < 200 * MB,
    };
  } finally {
    await gateway.stop();
    await redis.stop();
    await store.destroy();
  }
}
