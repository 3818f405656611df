import { StoreUnderTest } from '../test/support/fieldsync-process.js';

/**
 * `rows` sightings written straight into a PostgreSQL project (seq 1..rows, the feed counter set
 * to match), for benchmarks that measure reading, not ingest.
 */
export async function seedSightings(store: StoreUnderTest, projectId: string, rows: number, uidPrefix: string): Promise<void> {
  await store.query(`INSERT INTO sighting (id, project_id, uid, device_id, kind, observed_at, latitude, longitude, accuracy, data, attachments, deleted, content_hash, revision, seq, batch_id, received_at, updated_at)
    SELECT md5(i::text), '${projectId}', '${uidPrefix}-' || i, 'ct-' || (i % 32), 'sighting', '2026-03-01T10:00:00+02:00', -24 - (i % 1000) / 1000.0, 31 + (i % 997) / 1000.0, 4,
      '{"Species":"Impala","Count":' || (i % 40) || '}', '[]', false, md5(i::text), 1, i, 'bench-batch', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z'
    FROM generate_series(1, ${rows}) AS i`);
  await store.query(`UPDATE project_feed SET last_seq = ${rows} WHERE project_id = '${projectId}'`);
  await store.query('ANALYZE sighting');
}
