import { Database, Tx } from '../database.js';
import { Rejection } from '../entities/index.js';

/** The SQL on `rejection`: why records of a batch were not stored. */
export class RejectionRepository {
  constructor(private readonly database: Database) {}

  async deleteForBatchInTx(tx: Tx, batchId: string): Promise<void> {
    await this.database.queryInTx(tx, 'DELETE FROM rejection WHERE batch_id = ?', [batchId]);
  }

  async insertInTx(tx: Tx, rejections: Rejection[]): Promise<void> {
    if (rejections.length > 0) await tx.insert(Rejection, rejections);
  }
}
