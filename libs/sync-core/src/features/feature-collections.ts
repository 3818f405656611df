import { Database } from '../db/database.js';
import { Project } from '../db/entities/index.js';
import { FeatureQueries, FeatureQuery, FeatureRow, OrderedPage } from '../db/repositories/feature.queries.js';
import { ReportQueries } from '../db/repositories/report.queries.js';
import { NotFoundError } from '../errors.js';

/** A GeoJSON Feature as OGC API – Features serves it: every field a property, as the wide CSV has them. */
export interface SightingFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: number[] } | null;
  properties: Record<string, unknown>;
}

export interface FeaturePage {
  features: SightingFeature[];
  /** How many match in all; only on the first page (a count per page would cost a scan each). */
  numberMatched: number | null;
  /** The cursor of the page after this one; null on the last. */
  next: string | null;
}

export function featureOf(row: FeatureRow): SightingFeature {
  // Properties a feature always has; a field of the records of the same name is `data.<name>`.
  const core: Record<string, unknown> = {
    kind: row.kind,
    observedAt: row.observedAt,
    deviceId: row.deviceId,
    deviceName: row.deviceName,
    revision: row.revision,
    reviewState: row.reviewState,
    deleted: row.deleted,
  };
  const properties = { ...core };
  for (const [field, value] of Object.entries(row.data)) properties[Object.hasOwn(core, field) ? `data.${field}` : field] = value;
  const geometry =
    row.latitude === null || row.longitude === null
      ? null
      : { type: 'Point' as const, coordinates: row.altitude === null ? [row.longitude, row.latitude] : [row.longitude, row.latitude, row.altitude] };
  return { type: 'Feature', id: row.uid, geometry, properties };
}

/**
 * The projects as OGC API – Features collections: their extents, their items a page at a time
 * (paged by row id: FeatureQueries), one item, and their queryable fields.
 */
export class FeatureCollections {
  private readonly queries = new FeatureQueries();
  private readonly reports = new ReportQueries();

  constructor(private readonly database: Database) {}

  /** Which SQL a condition of its own (odataFilter) must be written in. */
  get postgres(): boolean {
    return this.database.type === 'postgres';
  }

  extent(project: Project) {
    return this.database.read((reader) => this.queries.extentIn(reader, project.id));
  }

  async page(project: Project, query: FeatureQuery, cursor: string | null, limit: number): Promise<FeaturePage> {
    const { rows, more, total } = await this.rows(project, query, { afterId: cursor, limit, ordered: null, count: cursor === null });
    return { features: rows.map(featureOf), numberMatched: total, next: more ? rows[rows.length - 1]!.id : null };
  }

  /**
   * A page of rows: by row id after `afterId` (stable while data arrives), or in `ordered` order by
   * offset (OData's `$orderby`); `more` when another page follows; the total when asked for.
   */
  async rows(
    project: Project,
    query: FeatureQuery,
    page: { afterId: string | null; limit: number; ordered: OrderedPage | null; count: boolean },
  ): Promise<{ rows: FeatureRow[]; more: boolean; total: number | null }> {
    return this.database.read(async (reader) => {
      // One more than asked: whether there is a next page, without a count.
      const rows = await this.queries.pageIn(reader, project.id, query, page.afterId, page.limit + 1, page.ordered);
      return { rows: rows.slice(0, page.limit), more: rows.length > page.limit, total: page.count ? await this.queries.count(reader, project.id, query) : null };
    });
  }

  async one(project: Project, uid: string): Promise<SightingFeature> {
    const row = await this.database.read((reader) => this.queries.oneIn(reader, project.id, uid));
    if (!row) throw new NotFoundError(`no feature "${uid}" in collection "${project.slug}"`);
    return featureOf(row);
  }

  /** The fields of the project's latest sightings, with the JSON type most of them hold. */
  async queryables(project: Project): Promise<{ name: string; type: 'string' | 'number' }[]> {
    const fields = await this.database.read((reader) => this.reports.fieldsIn(reader, project.id));
    return fields.map((field) => ({ name: field.name, type: field.text * 2 >= field.sightings ? 'string' : 'number' }));
  }
}
