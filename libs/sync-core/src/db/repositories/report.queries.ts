import { Tx } from '../database.js';
import { Sighting } from '../entities/index.js';
import { SightingFilter, whereFiltered } from './feed.queries.js';

export type ReportPeriod = 'day' | 'week' | 'month';
export const REPORT_PERIODS: readonly ReportPeriod[] = ['day', 'week', 'month'];

/** What a report counts by: the kind, the device id the records name, or one field of the records. */
export type ReportBy = { kind: 'kind' } | { kind: 'device' } | { kind: 'field'; field: string };

export interface ReportRow {
  /** The period's first day (YYYY-MM-DD; weeks start on Monday), in the device's own date. */
  period: string;
  /** The value counted (as text); null where the sighting has none. */
  value: string | null;
  count: number;
}

/** The latest sightings whose fields are listed (`fieldsIn`): enough to see every field in use, without a scan of a large project. */
const FIELD_SAMPLE = 10_000;

/**
 * One GROUP BY over a project's matching sightings: periods follow the date the device recorded
 * (`observed_at` keeps the device's offset), values are the kind, the device id or a field
 * (`->>` with a key, not a path, on both stores: a field name needs no quoting).
 */
export class ReportQueries {
  async countsIn(reader: Tx, projectId: string, by: ReportBy, period: ReportPeriod, filter: SightingFilter, limit: number): Promise<ReportRow[]> {
    const postgres = reader.connection.options.type === 'postgres';
    const periodSql = {
      day: 'substr(s.observed_at, 1, 10)',
      week: postgres ? "to_char(date_trunc('week', substr(s.observed_at, 1, 10)::date), 'YYYY-MM-DD')" : "date(substr(s.observed_at, 1, 10), 'weekday 0', '-6 days')",
      month: "substr(s.observed_at, 1, 7) || '-01'",
    }[period];
    const valueSql = by.kind === 'kind' ? 's.kind' : by.kind === 'device' ? 's.device_id' : postgres ? 's.data::json ->> :field' : 's.data ->> :field';
    const raw = await this.matching(reader, projectId, filter)
      .select(periodSql, 'period')
      .addSelect(valueSql, 'value')
      .addSelect('COUNT(*)', 'count')
      .andWhere('s.observed_at IS NOT NULL')
      .setParameter('field', by.kind === 'field' ? by.field : null)
      .groupBy(periodSql)
      .addGroupBy(valueSql)
      .orderBy('period', 'ASC')
      .addOrderBy('count', 'DESC')
      .limit(limit)
      .getRawMany<{ period: string; value: unknown; count: string | number }>();
    return raw.map((row) => ({ period: row.period, value: row.value === null || row.value === undefined ? null : String(row.value), count: Number(row.count) }));
  }

  /**
   * The field names of a project's latest sightings (FIELD_SAMPLE of them), most used first and,
   * among those used as often, those holding text first (a species before a count): what a report,
   * the map's colours and the table's columns offer, without reading every sighting.
   */
  async fieldsIn(reader: Tx, projectId: string): Promise<{ name: string; sightings: number; text: number }[]> {
    const postgres = reader.connection.options.type === 'postgres';
    const latest = 'SELECT data FROM sighting WHERE project_id = $1 AND deleted = $2 ORDER BY seq DESC LIMIT $3';
    const rows: { name: string; sightings: string | number; text: string | number }[] = postgres
      ? await reader.query(
          `SELECT j.key AS name, COUNT(*) AS sightings, COUNT(*) FILTER (WHERE jsonb_typeof(j.value) = 'string') AS text
             FROM (${latest}) w, jsonb_each(w.data::jsonb) j GROUP BY j.key ORDER BY 2 DESC, 3 DESC, 1`,
          [projectId, false, FIELD_SAMPLE],
        )
      : await reader.query(
          `SELECT j.key AS name, COUNT(*) AS sightings, SUM(j.type = 'text') AS text
             FROM (${latest.replace(/\$\d/g, '?')}) w, json_each(w.data) j GROUP BY j.key ORDER BY 2 DESC, 3 DESC, 1`,
          [projectId, 0, FIELD_SAMPLE],
        );
    return rows.map((row) => ({ name: row.name, sightings: Number(row.sightings), text: Number(row.text) }));
  }

  /** Matching sightings without a date, which no period holds. */
  undatedIn(reader: Tx, projectId: string, filter: SightingFilter): Promise<number> {
    return this.matching(reader, projectId, filter).andWhere('s.observed_at IS NULL').getCount();
  }

  private matching(reader: Tx, projectId: string, filter: SightingFilter) {
    return whereFiltered(reader.createQueryBuilder(Sighting, 's').where('s.projectId = :projectId', { projectId }), filter);
  }
}
