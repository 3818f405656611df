import { Tx } from '../database.js';
import { Sighting, SightingKind } from '../entities/index.js';

export interface FeedFilter {
  projectId: string;
  after: number;
  kind: SightingKind | null;
  includeDeleted: boolean;
}

/** The feed's reads of `sighting`: rows of a project in seq order within (after, upTo], filtered. */
export class FeedQueries {
  /** The seq of the n-th matching row after `after`, or null when there are fewer. */
  async nthSeq(reader: Tx, filter: FeedFilter, upTo: number, n: number): Promise<number | null> {
    const last = await this.matching(reader, filter, upTo)
      .select('s.seq', 'seq')
      .orderBy('s.seq', 'ASC')
      .offset(n - 1)
      .limit(1)
      .getRawOne<{ seq: string | number }>();
    return last ? Number(last.seq) : null;
  }

  /** Up to `limit` matching rows, as raw column values under the given aliases. */
  page(reader: Tx, filter: FeedFilter, upTo: number, columns: [string, string][], limit: number): Promise<Record<string, unknown>[]> {
    const builder = this.matching(reader, filter, upTo).select([]);
    for (const [column, alias] of columns) builder.addSelect(column, alias);
    return builder.orderBy('s.seq', 'ASC').limit(limit).getRawMany<Record<string, unknown>>();
  }

  private matching(reader: Tx, filter: FeedFilter, upTo: number) {
    const builder = reader
      .createQueryBuilder(Sighting, 's')
      .where('s.projectId = :projectId', { projectId: filter.projectId })
      .andWhere('s.seq > :after', { after: filter.after })
      .andWhere('s.seq <= :upTo', { upTo });
    if (filter.kind) builder.andWhere('s.kind = :kind', { kind: filter.kind });
    if (!filter.includeDeleted) builder.andWhere('s.deleted = :deleted', { deleted: false });
    return builder;
  }
}
