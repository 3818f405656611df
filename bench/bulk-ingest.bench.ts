import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { TestPostgresDatabase } from '../test/support/postgres-database.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { timedPsql } from './baselines.js';
import { BenchFigure } from './measure.js';

const SIGHTINGS = 100_000;
const PER_BATCH = 10_000;

function sightingFeature(i: number) {
  const lat = -24 - (i % 1000) / 1000;
  const lon = 31 + (i % 997) / 1000;
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {
      id: `bulk-${i}`,
      deviceId: `ct-${i % 32}`,
      dateTime: '2026-03-01T10:00:00+02:00',
      latitude: lat,
      longitude: lon,
      accuracy: 4,
      sighting: { Species: 'Impala', Count: i % 40, Behaviour: 'Grazing' },
    },
  };
}

/** The same rows as CSV, in a table of the sighting table's shape, loaded with psql \copy. */
async function copyBaseline(): Promise<number> {
  const database = await TestPostgresDatabase.create();
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-copy-'));
  try {
    await database.query(`CREATE TABLE bench_sighting (id varchar(36) PRIMARY KEY, project_id varchar(36), uid varchar(128), device_id varchar(128), kind varchar(16), observed_at varchar(40),
      latitude double precision, longitude double precision, altitude double precision, accuracy double precision, data text, attachments text, deleted boolean,
      content_hash varchar(64), revision integer, seq bigint, batch_id varchar(36), received_at varchar(32), updated_at varchar(32), UNIQUE (project_id, uid), UNIQUE (project_id, seq))`);
    const lines: string[] = [];
    for (let i = 0; i < SIGHTINGS; i++) {
      const f = sightingFeature(i).properties;
      const data = JSON.stringify(f.sighting).replace(/"/g, '""');
      lines.push(`${i},p,${f.id},${f.deviceId},sighting,${f.dateTime},${f.latitude},${f.longitude},,${f.accuracy},"${data}",[],false,h${i},1,${i + 1},b,2026-03-01T00:00:00Z,2026-03-01T00:00:00Z`);
    }
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    return SIGHTINGS / (await timedPsql(database.url, `\\copy bench_sighting FROM '${csv}' CSV`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

/** 100,000 CyberTracker GeoJSON sightings in 10 uploads of 10,000, from the first byte sent to the last batch consolidated. */
export async function bulkIngest(kind: StoreKind): Promise<BenchFigure> {
  const [store, redis] = await Promise.all([StoreUnderTest.create(kind), PrivateRedis.start()]);
  const server = await FieldSyncProcess.start({ store, redisUrl: redis.url, env: { CONSOLIDATOR_CONCURRENCY: '2', MAX_UPLOAD_BYTES: '1GB' } });
  try {
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('bench');
    const device = await admin.createDevice('bench');
    const authorization = `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`;
    const bodies = Array.from({ length: SIGHTINGS / PER_BATCH }, (_, b) =>
      JSON.stringify({ type: 'FeatureCollection', features: Array.from({ length: PER_BATCH }, (_, i) => sightingFeature(b * PER_BATCH + i)) }),
    );
    const started = performance.now();
    const batchIds = await Promise.all(
      bodies.map(async (body) => {
        const response = await fetch(`${server.baseUrl}/upload`, { method: 'POST', headers: { authorization }, body });
        return ((await response.json()) as { batches: { id: string }[] }).batches[0].id;
      }),
    );
    for (const id of batchIds) await admin.settled(id, 600_000);
    const rate = SIGHTINGS / ((performance.now() - started) / 1000);
    const baseline = await copyBaseline();
    const ratio = rate / baseline;
    return {
      benchmark: `Bulk ingest, 100k sightings in 10 uploads (${kind})`,
      figure: `${rate.toFixed(0)} sightings/s`,
      value: Math.round(rate),
      unit: 'sightings/s',
      baseline: `psql \\copy ${baseline.toFixed(0)} rows/s`,
      baselineValue: Math.round(baseline),
      ratio: Number(ratio.toFixed(3)),
      goal: kind === 'postgres' ? '≥ 0.5 × \\copy' : '(no goal on SQLite)',
      met: kind === 'postgres' ? ratio >= 0.5 : null,
    };
  } finally {
    await server.stop();
    await redis.stop();
    await store.destroy();
  }
}
