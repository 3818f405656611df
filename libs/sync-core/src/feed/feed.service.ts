import { Database } from '../db/database.js';
import { ProjectFeed, Sighting } from '../db/entities/index.js';
import { FeedQueries, SightingFilter } from '../db/repositories/feed.queries.js';

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

/** Columns read for the feed, as raw values: hydrating entities cost more than the export itself. */
const FEED_COLUMNS: [string, string][] = [
  ['s.uid', 'uid'],
  ['s.device_id', 'deviceId'],
  ['s.kind', 'kind'],
  ['s.observed_at', 'observedAt'],
  ['s.latitude', 'latitude'],
  ['s.longitude', 'longitude'],
  ['s.altitude', 'altitude'],
  ['s.accuracy', 'accuracy'],
  ['s.data', 'data'],
  ['s.attachments', 'attachments'],
  ['s.deleted', 'deleted'],
  ['s.revision', 'revision'],
  ['s.seq', 'seq'],
  ['s.batch_id', 'batchId'],
];

type RawFeedRow = Record<(typeof FEED_COLUMNS)[number][1], unknown>;

function feedRow(raw: RawFeedRow): FeedRow {
  const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    uid: String(raw.uid),
    deviceId: (raw.deviceId as string | null) ?? null,
    kind: String(raw.kind) as Sighting['kind'],
    observedAt: (raw.observedAt as string | null) ?? null,
    latitude: numberOrNull(raw.latitude),
    longitude: numberOrNull(raw.longitude),
    altitude: numberOrNull(raw.altitude),
    accuracy: numberOrNull(raw.accuracy),
    data: JSON.parse(String(raw.data)) as Record<string, unknown>,
    attachments: JSON.parse(String(raw.attachments)) as Sighting['attachments'],
    deleted: raw.deleted === true || raw.deleted === 1,
    revision: Number(raw.revision),
    seq: Number(raw.seq),
    batchId: String(raw.batchId),
  };
}

/** A sighting as the feed reads it: what every download format shows. */
export type FeedRow = Pick<
  Sighting,
  'uid' | 'deviceId' | 'kind' | 'observedAt' | 'latitude' | 'longitude' | 'altitude' | 'accuracy' | 'data' | 'attachments' | 'deleted' | 'revision' | 'seq' | 'batchId'
>;

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
      for (const raw of page) yield feedRow(raw as RawFeedRow);
      cursor = Number(page[page.length - 1].seq);
    }
  }
}
