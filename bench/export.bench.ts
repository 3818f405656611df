import { spawn } from 'node:child_process';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { AdminClient } from '../test/support/admin-client.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { timedPsql } from './baselines.js';
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
    await store.query(`INSERT INTO sighting (id, project_id, uid, device_id, kind, observed_at, latitude, longitude, accuracy, data, attachments, deleted, content_hash, revision, seq, batch_id, received_at, updated_at)
      SELECT md5(i::text), '${project.id}', 'export-' || i, 'ct-' || (i % 32), 'sighting', '2026-03-01T10:00:00+02:00', -24 - (i % 1000) / 1000.0, 31 + (i % 997) / 1000.0, 4,
        '{"Species":"Impala","Count":' || (i % 40) || '}', '[]', false, md5(i::text), 1, i, 'bench-batch', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'
      FROM generate_series(1, ${ROWS}) AS i`);
    await store.query(`UPDATE project_feed SET last_seq = ${ROWS} WHERE project_id = '${project.id}'`);
    await store.query('ANALYZE sighting');

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
