import { spawn } from 'node:child_process';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { AdminClient } from '../test/support/admin-client.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { timedPsql } from './baselines.js';
import { seedSightings } from './seed.js';
import { BenchFigure, MB, rssBytes, sampleRss } from './measure.js';

const ROWS = 1_000_000;
const COLUMNS = 'uid, device_id, kind, observed_at, latitude, longitude, altitude, accuracy, deleted, revision, seq, batch_id, data, attachments';

function curlToDevNull(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('curl', ['-sS', '-f', '-o', '/dev/null', '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, url]);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`curl exited ${code}`))));
  });
}

interface Measured {
  format: 'csv' | 'ndjson' | 'geojson';
  goalRatio: number;
}

const FORMATS: Measured[] = [
  { format: 'csv', goalRatio: 0.5 },
  { format: 'ndjson', goalRatio: 0.3 },
  { format: 'geojson', goalRatio: 0.3 },
];
const RSS_GOAL_MB = 100;
/** Wide CSV and XLSX: a column per field costs more than one JSON column, but not a fifth of the speed. */
const WIDE_GOAL_RATIO = 0.3;

/**
 * 1,000,000 sightings streamed from the download API as CSV, NDJSON and GeoJSON, beside
 * psql \copy TO STDOUT of the same rows and columns as CSV; the gateway's peak RSS for each. Then
 * the wide CSV and the XLSX, beside the plain CSV download of the same run.
 */
export async function exportFormats(): Promise<BenchFigure[]> {
  const [store, redis] = await Promise.all([StoreUnderTest.create('postgres'), PrivateRedis.start()]);
  const gateway = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'gateway' });
  try {
    const admin = new AdminClient(gateway.baseUrl);
    const project = await admin.createProject('bench');
    // Rows are written straight into the table: this measures the export, not the ingest.
    await seedSightings(store, project.id, ROWS, 'export');

    const baselineSeconds = await timedPsql(store.env.DATABASE_URL, `\\copy (SELECT ${COLUMNS} FROM sighting WHERE project_id = '${project.id}' ORDER BY seq) TO STDOUT CSV`);
    const baseline = ROWS / baselineSeconds;
    const idleRss = rssBytes(gateway.pid);
    const figures: BenchFigure[] = [];
    for (const { format, goalRatio } of FORMATS) {
      const peak = sampleRss(gateway.pid);
      const seconds = await curlToDevNull(`${gateway.baseUrl}/api/v1/projects/bench/sightings?format=${format}`);
      const peakRss = peak.stop();
      const rate = ROWS / seconds;
      const rise = peakRss - idleRss;
      // The gateway's libraries alone hold ~117 MB before it serves anything (NestJS, TypeORM, pg,
      // BullMQ, ftp-srv loaded in a bare node: see bench/README.md), so what the export adds is judged.
      const rssGoal = format === 'csv' ? `, RSS rise < ${RSS_GOAL_MB} MB` : '';
      figures.push({
        benchmark: `Export, 1M sightings as ${format.toUpperCase()} from the download API (postgres)`,
        figure: `${rate.toFixed(0)} rows/s, gateway peak RSS ${(peakRss / MB).toFixed(0)} MB (idle ${(idleRss / MB).toFixed(0)} MB, rise ${(rise / MB).toFixed(0)} MB)`,
        value: Math.round(rate),
        unit: 'rows/s',
        baseline: `psql \\copy TO STDOUT CSV ${baseline.toFixed(0)} rows/s`,
        baselineValue: Math.round(baseline),
        ratio: Number((rate / baseline).toFixed(3)),
        goal: `≥ ${goalRatio} × \\copy${rssGoal}`,
        met: rate / baseline >= goalRatio && (format !== 'csv' || rise < RSS_GOAL_MB * MB),
      });
    }
    // The wide formats (a column per field) beside the plain CSV of the same rows, measured here.
    const plainCsv = figures.find((figure) => figure.benchmark.includes('as CSV'))!.value;
    for (const format of ['wide-csv', 'xlsx'] as const) {
      const seconds = await curlToDevNull(`${gateway.baseUrl}/api/v1/projects/bench/sightings?format=${format}`);
      const rate = ROWS / seconds;
      figures.push({
        benchmark: `Export, 1M sightings as ${format === 'xlsx' ? 'Excel (XLSX)' : 'wide CSV'} from the download API (postgres)`,
        figure: `${rate.toFixed(0)} rows/s`,
        value: Math.round(rate),
        unit: 'rows/s',
        baseline: `the plain CSV download ${plainCsv} rows/s`,
        baselineValue: plainCsv,
        ratio: Number((rate / plainCsv).toFixed(3)),
        goal: '≥ 0.3 × the plain CSV',
        met: rate / plainCsv >= WIDE_GOAL_RATIO,
      });
    }
    return figures;
  } finally {
    await gateway.stop();
    await redis.stop();
    await store.destroy();
  }
}
