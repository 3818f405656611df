import { Database, Tx } from '../database.js';
import { BatchStatus } from '../entities/index.js';

/** The SQL on `project_feed`, the per-project counter whose row lock orders every merge of the project. */
export class ProjectFeedRepository {
  constructor(private readonly database: Database) {}

  /** Takes the project's feed row (held until the transaction ends) and reads the batch's state under it. */
  async lockInTx(tx: Tx, projectId: string, batchId: string): Promise<{ lastSeq: number; batch: { status: BatchStatus; attempts: number } }> {
    // SQLite has no row locks; the write transaction (BEGIN IMMEDIATE) already holds the whole database.
    const lock = this.database.type === 'postgres' ? ' FOR UPDATE OF f' : '';
    const [row] = await this.database.queryInTx<{ last_seq: number | string; status: BatchStatus; attempts: number | string }>(
      tx,
      `SELECT f.last_seq, b.status, b.attempts FROM project_feed f JOIN batch b ON b.id = ? WHERE f.project_id = ?${lock}`,
      [batchId, projectId],
    );
    if (!row) throw new Error(`project ${projectId} has no feed row, or batch ${batchId} is gone`);
    return { lastSeq: Number(row.last_seq), batch: { status: row.status, attempts: Number(row.attempts) } };
  }

  /** Takes the project's feed row (held until the transaction ends); its last seq. */
  async lockFeedInTx(tx: Tx, projectId: string): Promise<number> {
    const lock = this.database.type === 'postgres' ? ' FOR UPDATE' : '';
    const [row] = await this.database.queryInTx<{ last_seq: number | string }>(tx, `SELECT last_seq FROM project_feed WHERE project_id = ?${lock}`, [projectId]);
    if (!row) throw new Error(`project ${projectId} has no feed row`);
    return Number(row.last_seq);
  }

  async setLastSeqInTx(tx: Tx, projectId: string, lastSeq: number): Promise<void> {
    await this.database.queryInTx(tx, 'UPDATE project_feed SET last_seq = ? WHERE project_id = ?', [lastSeq, projectId]);
  }
}
