import { EntityManager } from 'typeorm';
import { Database } from '../db/database.js';
import { ProjectFeed, Sighting, SightingKind } from '../db/entities/index.js';

export interface FeedQuery {
  projectId: string;
  after: number;
  /** At most this many rows; null streams everything up to the snapshot. */
  limit: number | null;
  kind: SightingKind | null;
  includeDeleted: boolean;
}

export interface FeedWindow {
  /** The cursor a reader passes back as `after` to continue exactly where this window ends. */
  next: number;
  rows: AsyncGenerator<Sighting>;
}

const PAGE_ROWS = 500;

/**
 * The one cursor feed behind every download format. A window is (after, upTo]: `upTo` never
 * exceeds the project's committed feed counter, and every seq at or below it is committed
 * (seqs are assigned under the counter's row lock), so a reader that passes `next` back sees
 * every change exactly once, in commit order.
 */
export class FeedService {
  constructor(private readonly database: Database) {}

  async open(query: FeedQuery): Promise<FeedWindow> {
    const upTo = await this.database.read(async (manager) => {
      const feed = await manager.findOneBy(ProjectFeed, { projectId: query.projectId });
      const committed = feed?.lastSeq ?? 0;
      if (query.limit === null) return committed;
      // The seq of the limit-th matching row bounds the window, so `next` is known before streaming.
      const last = await this.matching(manager, query, committed).select('s.seq', 'seq').orderBy('s.seq', 'ASC')
        .offset(query.limit - 1).limit(1).getRawOne<{ seq: string | number }>();
      return last ? Number(last.seq) : committed;
    });
    return { next: Math.max(upTo, query.after), rows: this.stream(query, upTo) };
  }

  private async *stream(query: FeedQuery, upTo: number): AsyncGenerator<Sighting> {
    let cursor = query.after;
    while (cursor < upTo) {
      const page = await this.database.read((manager) =>
        this.matching(manager, { ...query, after: cursor }, upTo).orderBy('s.seq', 'ASC').limit(PAGE_ROWS).getMany(),
      );
      if (page.length === 0) return;
      for (const row of page) yield row;
      cursor = page[page.length - 1].seq;
    }
  }

  private matching(manager: EntityManager, query: FeedQuery, upTo: number) {
    const builder = manager.createQueryBuilder(Sighting, 's')
      .where('s.projectId = :projectId', { projectId: query.projectId })
      .andWhere('s.seq > :after', { after: query.after })
      .andWhere('s.seq <= :upTo', { upTo });
    if (query.kind) builder.andWhere('s.kind = :kind', { kind: query.kind });
    if (!query.includeDeleted) builder.andWhere('s.deleted = :deleted', { deleted: false });
    return builder;
  }
}
