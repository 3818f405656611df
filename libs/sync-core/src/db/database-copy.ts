import { Database } from './database.js';

/** Every table, in an order where the rows a row references are copied before it. */
const TABLES_IN_ORDER = [
  'project',
  'project_feed',
  'account',
  'membership',
  'session',
  'admin_token',
  'audit_event',
  'device',
  'blob',
  'blob_chunk',
  'batch',
  'rejection',
  'sighting',
  'sighting_version',
  'sighting_comment',
  'attachment',
  'source',
  'source_file',
  'form',
  'form_media',
  'submission_instance',
  'subscription',
];

/** Rows read and written at a time: blob chunks are up to 256 KB each, so fewer of them. */
const rowsPerStep = (table: string) => (table === 'blob_chunk' ? 16 : 1000);

export type TableCounts = Record<string, number>;

/** What a copy found on both sides when it was done: equal, table by table, or it says so. */
export interface CopyReport {
  copied: TableCounts;
  /** Each project's feed cursor (last seq) on the target, by project id: a client's `after` stays valid. */
  feedCursors: Record<string, number>;
}

async function count(database: Database, table: string): Promise<number> {
  const [row] = await database.queryAlone<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row.n);
}

async function feedCursors(database: Database): Promise<Record<string, number>> {
  const rows = await database.queryAlone<{ project_id: string; last_seq: number | string }>('SELECT project_id, last_seq FROM project_feed');
  return Object.fromEntries(rows.map((row): [string, number] => [row.project_id, Number(row.last_seq)]).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Copies every row of an embedded (SQLite) database into a PostgreSQL one that has the schema
 * but no data — sightings with their seq and revisions, batches and their original files, people,
 * tokens, the audit trail — in one transaction: a copy that fails leaves the target empty. The
 * source must not change meanwhile (stop FieldSync first).
 */
export async function copyDatabase(from: Database, to: Database, onTable: (table: string, rows: number) => void = () => undefined): Promise<CopyReport> {
  if (from.type !== 'sqlite' || to.type !== 'postgres') throw new Error('copies an embedded SQLite database into PostgreSQL');
  const known = new Set(to.dataSource.entityMetadatas.map((metadata) => metadata.tableName));
  const unordered = [...known].filter((table) => !TABLES_IN_ORDER.includes(table));
  if (unordered.length > 0) throw new Error(`tables with no place in the copy order: ${unordered.join(', ')}`);
  const holding = [];
  for (const table of TABLES_IN_ORDER) if ((await count(to, table)) > 0) holding.push(table);
  if (holding.length > 0) throw new Error(`the target database already holds data (${holding.join(', ')}): copy into a new, empty database`);

  const copied: TableCounts = {};
  await to.transaction(async (tx) => {
    for (const table of TABLES_IN_ORDER) {
      let last = 0;
      copied[table] = 0;
      for (;;) {
        const rows = await from.queryAlone<Record<string, unknown>>(`SELECT rowid AS copy_rowid, * FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`, [last, rowsPerStep(table)]);
        if (rows.length === 0) break;
        last = Number(rows[rows.length - 1].copy_rowid);
        const columns = Object.keys(rows[0]).filter((column) => column !== 'copy_rowid');
        await to.insertRowsInTx(
          tx,
          table,
          columns.map((column) => `"${column}"`),
          rows.map((row) => columns.map((column) => row[column])),
        );
        copied[table] += rows.length;
      }
      onTable(table, copied[table]);
    }
    // The audit trail's ids come from a sequence: the next entry follows the copied ones.
    await to.queryInTx(tx, "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), GREATEST((SELECT MAX(id) FROM audit_event), 1))");
  });

  for (const table of TABLES_IN_ORDER) {
    const [source, target] = [await count(from, table), await count(to, table)];
    if (source !== target) throw new Error(`${table}: ${source} rows in the source, ${target} in the target after the copy`);
  }
  const [sourceCursors, targetCursors] = [await feedCursors(from), await feedCursors(to)];
  if (JSON.stringify(sourceCursors) !== JSON.stringify(targetCursors)) throw new Error('the feed cursors differ between the source and the target after the copy');
  return { copied, feedCursors: targetCursors };
}
