import { createHash, randomUUID } from 'node:crypto';
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
const PROJECT_ID = '5f0c7a52-0000-4000-8000-000000000001';
const BATCH_ID = '5f0c7a52-0000-4000-8000-000000000002';

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

/**
 * The same rows as CSV loaded with psql \\copy, into a table of the sighting table's shape (its
 * indexes, random UUID keys) and into a plain table without any index: rows/s for each.
 */
async function copyBaselines(): Promise<{ sameShape: number; plain: number }> {
  const database = await TestPostgresDatabase.create();
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-copy-'));
  const columns = `id varchar(36), project_id varchar(36), uid varchar(128), device_id varchar(128), kind varchar(16), observed_at varchar(40),
      latitude double precision, longitude double precision, altitude double precision, accuracy double precision, data text, attachments text, deleted boolean,
      content_hash varchar(64), data_hash varchar(64), revision integer, seq bigint, batch_id varchar(36), received_at varchar(32), updated_at varchar(32)`;
  try {
    await database.query(`CREATE TABLE shaped (${columns}, PRIMARY KEY (id), UNIQUE (project_id, uid), UNIQUE (project_id, seq))`);
    await database.query(`CREATE TABLE plain (${columns})`);
    const lines: string[] = [];
    for (let i = 0; i < SIGHTINGS; i++) {
      const f = sightingFeature(i).properties;
      const data = JSON.stringify(f.sighting).replace(/"/g, '""');
      const hash = createHash('sha256').update(String(i)).digest('hex');
      lines.push(
        `${randomUUID()},${PROJECT_ID},${f.id},${f.deviceId},sighting,${f.dateTime},${f.latitude},${f.longitude},,${f.accuracy},"${data}",[],false,${hash},${hash},1,${i + 1},${BATCH_ID},2026-03-01T00:00:00Z,2026-03-01T00:00:00Z`,
      );
    }
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const sameShape = SIGHTINGS / (await timedPsql(database.url, `\\copy shaped FROM '${csv}' CSV`));
    const plain = SIGHTINGS / (await timedPsql(database.url, `\\copy plain FROM '${csv}' CSV`));
    return { sameShape, plain };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
}

/**
 * 100,000 CyberTracker GeoJSON sightings in one upload, from the first byte sent to the batch
 * consolidated; `blobs` says where the file is kept, in the database or in BLOB_DIR.
 */
export async function bulkIngest(kind: StoreKind, blobs: 'database' | 'files' = 'database'): Promise<BenchFigure> {
  const [store, redis] = await Promise.all([StoreUnderTest.create(kind), PrivateRedis.start()]);
  const server = await FieldSyncProcess.start({ store, redisUrl: redis.url, env: { MAX_UPLOAD_BYTES: '1GB', ...(blobs === 'files' ? { BLOB_DIR: 'blobs' } : {}) } });
  try {
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('bench');
    const device = await admin.createDevice('bench');
    const authorization = `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`;
    const body = JSON.stringify({ type: 'FeatureCollection', features: Array.from({ length: SIGHTINGS }, (_, i) => sightingFeature(i)) });
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/upload`, { method: 'POST', headers: { authorization }, body });
    const batchId = ((await response.json()) as { batches: { id: string }[] }).batches[0].id;
    const batch = await admin.settled(batchId, 600_000);
    if (batch.counts.new !== SIGHTINGS) throw new Error(`expected ${SIGHTINGS} new sightings, the batch says ${JSON.stringify(batch.counts)}`);
    const rate = SIGHTINGS / ((performance.now() - started) / 1000);
    const { sameShape, plain } = await copyBaselines();
    const ratio = rate / sameShape;
    return {
      benchmark: `Bulk ingest, 100k sightings in one upload (${kind}${blobs === 'files' ? ', BLOB_DIR' : ''})`,
      figure: `${rate.toFixed(0)} sightings/s (${(rate / plain).toFixed(2)} × \\copy into a plain table, ${plain.toFixed(0)} rows/s)`,
      value: Math.round(rate),
      unit: 'sightings/s',
      baseline: `psql \\copy into a table of sighting's shape ${sameShape.toFixed(0)} rows/s`,
      baselineValue: Math.round(sameShape),
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
