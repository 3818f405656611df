import { Database } from '../db/database.js';
import { Project } from '../db/entities/index.js';
import { SightingFilter } from '../db/repositories/feed.queries.js';
import { ReportBy, ReportPeriod, ReportQueries, ReportRow } from '../db/repositories/report.queries.js';

/** Rows one report answers at most (periods × values): beyond it the answer says it was cut. */
export const MAX_REPORT_ROWS = 10_000;

/**
 * Counts of sightings per value per period, grouped by the database itself (never the rows into
 * this process), with the filter of the feed, the table and the map. Sightings without a date are
 * left out of the periods and counted apart (`undated`).
 */
export class SightingReports {
  private readonly queries = new ReportQueries();

  constructor(private readonly database: Database) {}

  async counts(project: Project, by: ReportBy, period: ReportPeriod, filter: SightingFilter): Promise<{ rows: ReportRow[]; truncated: boolean; undated: number }> {
    return this.database.read(async (reader) => {
      const rows = await this.queries.countsIn(reader, project.id, by, period, filter, MAX_REPORT_ROWS + 1);
      return { rows: rows.slice(0, MAX_REPORT_ROWS), truncated: rows.length > MAX_REPORT_ROWS, undated: await this.queries.undatedIn(reader, project.id, filter) };
    });
  }

  /** The project's fields in use, most used first, text before numbers (in its latest sightings); `text`: how many hold text. */
  fields(project: Project): Promise<{ name: string; sightings: number; text: number }[]> {
    return this.database.read((reader) => this.queries.fieldsIn(reader, project.id));
  }
}
