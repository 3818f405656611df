import { Database } from '../db/database.js';
import { ProjectFeed } from '../db/entities/index.js';
import { FeedQueries, SightingFilter } from '../db/repositories/feed.queries.js';
import { SIGHTING_FIELD_COLUMNS, sightingFieldsFromRow, SightingFields } from '../db/repositories/sighting.repository.js';

export interface FeedQuery extends SightingFilter {
  projectId: string;
  after: number;
  /** At most this many rows; null streams everything up to the snapshot. */
  limit: number | null;
}

export interface FeedWindow {
  /** The cursor a reader passes back as `after` to continue exactly where this window ends. */
  next: number;
  rows: AsyncGenerator<FeedRow>;
}

const PAGE_ROWS = 2000;

/** Columns read for the feed, as raw values under their own names: hydrating entities cost more than the export itself. */
const FEED_COLUMNS: [string, string][] = SIGHTING_FIELD_COLUMNS.map((column) => [`s.${column}`, column]);

/** A sighting as the feed reads it: what every download format shows. */
export type FeedRow = SightingFields;

/**
 * The one cursor feed behind every download format. A window is (after, upTo]: `upTo` never
 * exceeds the project's committed feed counter, and every seq at or below it is committed
 * (seqs are assigned under the counter's row lock), so a reader that passes `next` back sees
 * every change exactly once, in commit order.
 */
export class FeedService {
  private readonly queries = new FeedQueries();

  constructor(private readonly database: Database) {}

  async open(query: FeedQuery): Promise<FeedWindow> {
    const upTo = await this.database.read(async (manager) => {
      const feed = await manager.findOneBy(ProjectFeed, { projectId: query.projectId });
      const committed = feed?.lastSeq ?? 0;
      if (query.limit === null) return committed;
      // The seq of the limit-th matching row bounds the window, so `next` is known before streaming.
      return (await this.queries.nthSeq(manager, query, committed, query.limit)) ?? committed;
    });
    return { next: Math.max(upTo, query.after), rows: this.stream(query, upTo) };
  }

  private async *stream(query: FeedQuery, upTo: number): AsyncGenerator<FeedRow> {
    let cursor = query.after;
    while (cursor < upTo) {
      const page = await this.database.read((manager) => this.queries.page(manager, { ...query, after: cursor }, upTo, FEED_COLUMNS, PAGE_ROWS));
      if (page.length === 0) return;
      for (const raw of page) yield sightingFieldsFromRow(raw);
      cursor = Number(page[page.length - 1].seq);
    }
  }
}
