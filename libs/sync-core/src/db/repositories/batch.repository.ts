import { In } from 'typeorm';
import { nowIso } from '../columns.js';
import { Database, Tx } from '../database.js';
import { Batch, BatchStatus, Blob, Door } from '../entities/index.js';

/** The fields of a claimed batch the merge uses. */
export type ClaimedBatch = Pick<Batch, 'id' | 'projectId' | 'blobId' | 'fileName' | 'receivedAt'>;

export interface BatchCounts {
  records: number;
  new: number;
  updated: number;
  duplicate: number;
  rejected: number;
}

interface ClaimedRow {
  id: string;
  project_id: string;
  blob_id: string;
  file_name: string | null;
  received_at: string;
}

const claimed = (row: ClaimedRow): ClaimedBatch => ({ id: row.id, projectId: row.project_id, blobId: row.blob_id, fileName: row.file_name, receivedAt: row.received_at });

/** How a merged batch ended. */
export interface BatchFinish {
  batchId: string;
  status: BatchStatus;
  format: string | null;
  counts: BatchCounts;
  error: string | null;
}

const BATCH_COLUMNS = [
  'id',
  'project_id',
  'device_id',
  'door',
  'file_name',
  'blob_id',
  'format',
  'status',
  'records_count',
  'new_count',
  'updated_count',
  'duplicate_count',
  'rejected_count',
  'error',
  'attempts',
  'received_at',
  'updated_at',
  'consolidated_at',
];

const FINISH_COLUMNS = ['id', 'status', 'format', 'records', 'fresh', 'updated', 'duplicate', 'rejected', 'error', 'at', 'consolidated_at'];
const FINISH_ROW_NAMED = `SELECT ${FINISH_COLUMNS.map((column) => `? AS ${column}`).join(', ')}`;
const FINISH_ROW = `SELECT ${FINISH_COLUMNS.map(() => '?').join(', ')}`;

/** Every SQL statement on the `batch` table. */
export class BatchRepository {
  constructor(private readonly database: Database) {}

  /** Marks the batch as being merged (one more attempt), unless it is finished; in a statement of its own. */
  async claimAlone(batchId: string): Promise<ClaimedBatch | null> {
    const [row] = await this.database.queryAlone<ClaimedRow>(
      `UPDATE batch SET status = 'processing', attempts = attempts + 1, updated_at = ?
        WHERE id = ? AND status NOT IN ('consolidated', 'rejected') RETURNING id, project_id, blob_id, file_name, received_at`,
      [nowIso(), batchId],
    );
    return row ? claimed(row) : null;
  }

  /** Claims up to `limit` other waiting batches of the project whose file is at most `maxBytes`, oldest first. */
  async claimSmallWaitingAlone(projectId: string, exceptId: string, maxBytes: number, limit: number): Promise<ClaimedBatch[]> {
    const rows = await this.database.queryAlone<ClaimedRow>(
      `UPDATE batch SET status = 'processing', attempts = attempts + 1, updated_at = ?
        WHERE status = 'received' AND id IN (
          SELECT b.id FROM batch b JOIN blob f ON f.id = b.blob_id
          WHERE b.project_id = ? AND b.status = 'received' AND b.id <> ? AND f.size <= ? ORDER BY b.received_at LIMIT ?)
        RETURNING id, project_id, blob_id, file_name, received_at`,
      [nowIso(), projectId, exceptId, maxBytes, limit],
    );
    return rows.map(claimed);
  }

  async statesInTx(tx: Tx, batchIds: string[]): Promise<Map<string, { status: BatchStatus; attempts: number }>> {
    const states = new Map<string, { status: BatchStatus; attempts: number }>();
    if (batchIds.length === 0) return states;
    const rows = await this.database.queryInTx<{ id: string; status: BatchStatus; attempts: number | string }>(
      tx,
      `SELECT id, status, attempts FROM batch WHERE id IN (${batchIds.map(() => '?').join(', ')})`,
      batchIds,
    );
    for (const row of rows) states.set(row.id, { status: row.status, attempts: Number(row.attempts) });
    return states;
  }

  /** What the committed slices of a merge under way came to: its counts, and how many records they hold. */
  async progressInTx(tx: Tx, batchId: string): Promise<BatchCounts & { merged: number }> {
    const [row] = await this.database.queryInTx<Record<string, number | string>>(
      tx,
      'SELECT records_count, new_count, updated_count, duplicate_count, rejected_count, merged_records FROM batch WHERE id = ?',
      [batchId],
    );
    const value = (column: string) => Number(row?.[column] ?? 0);
    return {
      records: value('records_count'),
      new: value('new_count'),
      updated: value('updated_count'),
      duplicate: value('duplicate_count'),
      rejected: value('rejected_count'),
      merged: value('merged_records'),
    };
  }

  /** Records a slice of a merge: the counts so far, and that its records are in. */
  async saveProgressInTx(tx: Tx, batchId: string, counts: BatchCounts): Promise<void> {
    await this.database.queryInTx(
      tx,
      'UPDATE batch SET records_count = ?, new_count = ?, updated_count = ?, duplicate_count = ?, rejected_count = ?, merged_records = ?, updated_at = ? WHERE id = ?',
      [counts.records, counts.new, counts.updated, counts.duplicate, counts.rejected, counts.records, nowIso(), batchId],
    );
  }

  /**
   * Writes merges' outcomes on their batches, all in one statement (a group of small files ends
   * with one round trip); returns the time written (their updated_at, and consolidated_at when consolidated).
   */
  async finishManyInTx(tx: Tx, finished: BatchFinish[]): Promise<string> {
    const now = nowIso();
    if (finished.length === 0) return now;
    // SELECTs rather than VALUES: SQLite cannot name a VALUES list's columns. Parameters reach PostgreSQL as text: the counts are cast where they are set.
    const count = (column: string) => `CAST(v.${column} AS INTEGER)`;
    await this.database.queryInTx(
      tx,
      `UPDATE batch SET status = v.status, format = v.format, records_count = ${count('records')}, new_count = ${count('fresh')}, updated_count = ${count('updated')},
        duplicate_count = ${count('duplicate')}, rejected_count = ${count('rejected')}, error = v.error, updated_at = v.at, consolidated_at = v.consolidated_at
       FROM (${finished.map((_, index) => (index === 0 ? FINISH_ROW_NAMED : FINISH_ROW)).join(' UNION ALL ')}) AS v
       WHERE batch.id = v.id`,
      finished.flatMap(({ batchId, status, format, counts, error }) => [
        batchId,
        status,
        format,
        counts.records,
        counts.new,
        counts.updated,
        counts.duplicate,
        counts.rejected,
        error,
        now,
        status === 'consolidated' ? now : null,
      ]),
    );
    return now;
  }

  /** Inserts new batch rows, in one statement. */
  async insertManyInTx(tx: Tx, batches: Batch[]): Promise<void> {
    await this.database.insertRowsInTx(
      tx,
      'batch',
      BATCH_COLUMNS,
      batches.map((batch) => [
        batch.id,
        batch.projectId,
        batch.deviceId,
        batch.door,
        batch.fileName,
        batch.blobId,
        batch.format,
        batch.status,
        batch.records,
        batch.new,
        batch.updated,
        batch.duplicate,
        batch.rejected,
        batch.error,
        batch.attempts,
        batch.receivedAt,
        batch.updatedAt,
        batch.consolidatedAt,
      ]),
    );
  }

  /** Marks a batch still waiting or being merged as failed, with the reason; in a transaction of its own. */
  async markFailedAlone(batchId: string, reason: string): Promise<void> {
    await this.database.transaction((tx) => tx.update(Batch, { id: batchId, status: In(['received', 'processing']) }, { status: 'failed', error: reason, updatedAt: nowIso() }));
  }

  /** A failed batch waits again (its attempts are kept, so the next merge clears what the failed one left). */
  async retryAlone(batchId: string): Promise<boolean> {
    const rows = await this.database.queryAlone<{ id: string }>(`UPDATE batch SET status = 'received', error = NULL, updated_at = ? WHERE id = ? AND status = 'failed' RETURNING id`, [
      nowIso(),
      batchId,
    ]);
    return rows.length > 0;
  }

  /** How many batches wait, are being merged or failed, and when the oldest waiting one arrived. */
  async backlogAlone(): Promise<{ counts: Record<'received' | 'processing' | 'failed', number>; oldestWaitingAt: string | null }> {
    const rows = await this.database.queryAlone<{ status: string; n: string | number; oldest: string | null }>(
      "SELECT status, COUNT(*) AS n, MIN(received_at) AS oldest FROM batch WHERE status IN ('received', 'processing', 'failed') GROUP BY status",
    );
    const counts = { received: 0, processing: 0, failed: 0 };
    let oldestWaitingAt: string | null = null;
    for (const row of rows) {
      counts[row.status as keyof typeof counts] = Number(row.n);
      if (row.status !== 'failed' && row.oldest && (!oldestWaitingAt || row.oldest < oldestWaitingAt)) oldestWaitingAt = row.oldest;
    }
    return { counts, oldestWaitingAt };
  }

  statusAlone(batchId: string): Promise<BatchStatus | null> {
    return this.database.read(async (manager) => (await manager.findOneBy(Batch, { id: batchId }))?.status ?? null);
  }

  /** What one device sent through one door: file name, size and arrival, newest last. */
  async filesSentBy(deviceId: string, door: Door): Promise<{ fileName: string; size: number; receivedAt: string }[]> {
    const rows = await this.database.read((manager) =>
      manager
        .createQueryBuilder(Batch, 'b')
        .innerJoin(Blob, 'blob', 'blob.id = b.blobId')
        .select(['b.fileName AS "fileName"', 'blob.size AS "size"', 'b.receivedAt AS "receivedAt"'])
        .where('b.deviceId = :deviceId AND b.door = :door AND b.fileName IS NOT NULL', { deviceId, door })
        .orderBy('b.receivedAt', 'ASC')
        .getRawMany<{ fileName: string; size: string | number; receivedAt: string }>(),
    );
    return rows.map((row) => ({ ...row, size: Number(row.size) }));
  }

  /** A batch of this project that already holds exactly these bytes under this name, if any. */
  findSameFile(projectId: string, door: Door, fileName: string, sha256: string): Promise<Batch | null> {
    return this.database.read((manager) =>
      manager
        .createQueryBuilder(Batch, 'b')
        .innerJoin(Blob, 'blob', 'blob.id = b.blobId')
        .where('b.projectId = :projectId AND b.door = :door AND b.fileName = :fileName AND blob.sha256 = :sha256', { projectId, door, fileName, sha256 })
        .getOne(),
    );
  }
}
