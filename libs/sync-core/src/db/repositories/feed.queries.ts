import { SelectQueryBuilder } from 'typeorm';
import { Tx } from '../database.js';
import { Batch, Device, ReviewState, Sighting, SightingKind } from '../entities/index.js';

/** What narrows the sightings a reader sees: the same filter for the feed, the table and the map. */
export interface SightingFilter {
  kind: SightingKind | null;
  includeDeleted: boolean;
  /** The device id the records name. */
  deviceId: string | null;
  /** Observed on or after this day (YYYY-MM-DD, the device's own date). */
  from: string | null;
  /** Observed on or before this day (YYYY-MM-DD). */
  to: string | null;
  /** Words anywhere in the record's fields or its uid, any case. */
  text: string | null;
  /** In one of these review states; null: any. */
  reviewStates?: ReviewState[] | null;
}

/**
 * Joins `d`, the registered device whose upload carried each version (through its batch): its
 * name as it is now, so a renamed device shows its new name in every later download. None for
 * a batch that came by a door without a device (shared folder, import, pull).
 */
export function withSender<T extends SelectQueryBuilder<Sighting>>(builder: T): T {
  return builder.leftJoin(Batch, 'b', 'b.id = s.batchId').leftJoin(Device, 'd', 'd.id = b.deviceId');
}

export const NO_FILTER: SightingFilter = { kind: null, includeDeleted: false, deviceId: null, from: null, to: null, text: null };

export interface FeedFilter extends SightingFilter {
  projectId: string;
  after: number;
}

/** A day after `day` (YYYY-MM-DD), as the exclusive end of a date range compared as text. */
function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * `column` (an ISO-8601 text with its own offset) compared with a bound instant as instants,
 * whatever offset each side was written with: PostgreSQL's timestamptz, SQLite's julianday.
 */
export function instantComparison(column: string, operator: string, parameter: string, postgres: boolean): string {
  return postgres ? `${column}::timestamptz ${operator} CAST(:${parameter} AS timestamptz)` : `julianday(${column}) ${operator} julianday(:${parameter})`;
}

/** Adds the filter's conditions on `s`. The dates compare as text: observed_at is ISO-8601 with the device's offset. */
export function whereFiltered<T extends object>(builder: SelectQueryBuilder<T>, filter: SightingFilter): SelectQueryBuilder<T> {
  if (filter.kind) builder.andWhere('s.kind = :kind', { kind: filter.kind });
  if (!filter.includeDeleted) builder.andWhere('s.deleted = :deleted', { deleted: false });
  if (filter.deviceId) builder.andWhere('s.deviceId = :deviceId', { deviceId: filter.deviceId });
  if (filter.from) builder.andWhere('s.observedAt >= :from', { from: filter.from });
  if (filter.to) builder.andWhere('s.observedAt < :toExclusive', { toExclusive: dayAfter(filter.to) });
  if (filter.reviewStates?.length) builder.andWhere('s.reviewState IN (:...reviewStates)', { reviewStates: filter.reviewStates });
  if (filter.text) {
    const pattern = `%${filter.text.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    builder.andWhere("(LOWER(s.data) LIKE :pattern ESCAPE '\\' OR LOWER(s.uid) LIKE :pattern ESCAPE '\\')", { pattern });
  }
  return builder;
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

  /** Up to `limit` matching rows, as raw column values under the given aliases (`d.` is the device that sent it). */
  page(reader: Tx, filter: FeedFilter, upTo: number, columns: [string, string][], limit: number): Promise<Record<string, unknown>[]> {
    const builder = withSender(this.matching(reader, filter, upTo)).select([]);
    for (const [column, alias] of columns) builder.addSelect(column, alias);
    return builder.orderBy('s.seq', 'ASC').limit(limit).getRawMany<Record<string, unknown>>();
  }

  /**
   * Every field name the window's records hold, each once, in name order: the columns of a wide
   * download. Asked of the database (json_each / jsonb_object_keys), so no record is held in memory.
   */
  async fieldNames(reader: Tx, filter: FeedFilter, upTo: number): Promise<string[]> {
    const [sql, parameters] = this.matching(reader, filter, upTo).select('s.data', 'data').getQueryAndParameters();
    const postgres = reader.connection.options.type === 'postgres';
    const keys = postgres ? `SELECT DISTINCT jsonb_object_keys(w.data::jsonb) AS name FROM (${sql}) w` : `SELECT DISTINCT j.key AS name FROM (${sql}) w, json_each(w.data) j`;
    const rows: { name: string }[] = await reader.query(keys, parameters);
    return rows.map((row) => row.name).sort((a, b) => a.localeCompare(b));
  }

  private matching(reader: Tx, filter: FeedFilter, upTo: number) {
    const builder = reader
      .createQueryBuilder(Sighting, 's')
      .where('s.projectId = :projectId', { projectId: filter.projectId })
      .andWhere('s.seq > :after', { after: filter.after })
      .andWhere('s.seq <= :upTo', { upTo });
    return whereFiltered(builder, filter);
  }
}
