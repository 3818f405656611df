import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { timedPsql } from './baselines.js';
import { BenchFigure } from './measure.js';
import { seedSightings } from './seed.js';

const ROWS = 1_000_000;
const GOAL_SECONDS = 2;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * The Reports page's question on a 1M-sighting project (PostgreSQL): sightings per species per
 * week, through the API, beside psql running the bare GROUP BY of the same rows; each the median
 * of three. Goal: under 2 s.
 */
export async function report(): Promise<BenchFigure> {
  const [store, redis] = await Promise.all([StoreUnderTest.create('postgres'), PrivateRedis.start()]);
  const gateway = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'gateway' });
  try {
    const admin = new AdminClient(gateway.baseUrl);
    const project = await admin.createProject('bench');
    await seedSightings(store, project.id, ROWS, 'report');
    // A year of dates and five species, so that the report has 53 weeks × 5 values to count.
    await store.query(`UPDATE sighting SET observed_at = to_char(date '2026-01-01' + (seq % 365)::int, 'YYYY-MM-DD') || 'T10:00:00+02:00',
      data = '{"Species":"' || (ARRAY['Lion','Leopard','Impala','Elephant','Buffalo'])[1 + seq % 5] || '","Count":' || (seq % 40) || '}' WHERE project_id = '${project.id}'`);
    await store.query('VACUUM ANALYZE sighting');
    const api: number[] = [];
    const bare: number[] = [];
    let rows = 0;
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const answer = await admin.expect<{ rows: { count: number }[] }>(200, 'GET', '/api/v1/projects/bench/report?by=Species&period=week');
      api.push((performance.now() - started) / 1000);
      rows = answer.rows.reduce((sum, row) => sum + row.count, 0);
      bare.push(
        await timedPsql(
          store.env.DATABASE_URL,
          `SELECT date_trunc('week', substr(observed_at, 1, 10)::date), data::json ->> 'Species', count(*) FROM sighting WHERE project_id = '${project.id}' AND NOT deleted GROUP BY 1, 2`,
        ),
      );
    }
    if (rows !== ROWS) throw new Error(`the report counted ${rows} sightings, not ${ROWS}`);
    const seconds = median(api);
    const baseline = median(bare);
    return {
      benchmark: 'Report, 1M sightings per species per week from the API (postgres)',
      figure: `${seconds.toFixed(2)} s`,
      value: Number(seconds.toFixed(3)),
      unit: 's',
      baseline: `psql, the bare GROUP BY: ${baseline.toFixed(2)} s`,
      baselineValue: Number(baseline.toFixed(3)),
      ratio: Number((seconds / baseline).toFixed(3)),
      goal: `< ${GOAL_SECONDS} s`,
      met: seconds < GOAL_SECONDS,
    };
  } finally {
    await gateway.stop();
    await redis.stop();
    await store.destroy();
  }
}
