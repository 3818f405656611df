import { Database } from '../database.js';
import { Batch, SourceFile } from '../entities/index.js';

/** Queries on `source_file`, the ledger of what each pull source has fetched. */
export class SourceFileRepository {
  constructor(private readonly database: Database) {}

  /** The files of a source whose batch was consolidated (and may be deleted remotely). */
  consolidated(sourceId: string): Promise<SourceFile[]> {
    return this.database.read((manager) =>
      manager
        .createQueryBuilder(SourceFile, 'f')
        .innerJoin(Batch, 'b', 'b.id = f.batchId')
        .where('f.sourceId = :sourceId AND f.status = :ingested AND b.status = :consolidated', { sourceId, ingested: 'ingested', consolidated: 'consolidated' })
        .getMany(),
    );
  }

  /** What a source has taken, newest first (at most `limit`). */
  taken(sourceId: string, limit: number): Promise<SourceFile[]> {
    return this.database.read((manager) => manager.find(SourceFile, { where: { sourceId }, order: { updatedAt: 'DESC' }, take: limit }));
  }
}
