import { SelectQueryBuilder } from 'typeorm';
import { Tx } from '../database.js';
import { Sighting } from '../entities/index.js';
import { instantComparison, SightingFilter, whereFiltered, withSender } from './feed.queries.js';
import { SqlCondition } from './odata-filter.js';
import { sightingFieldsFromRow, SightingFields, SIGHTING_FIELD_COLUMNS } from './sighting.repository.js';

/** What narrows OGC API – Features items beyond the feed's filter. */
export interface FeatureQuery {
  filter: SightingFilter;
  /** [west, south, east, north] in degrees (CRS84). */
  bbox: [number, number, number, number] | null;
  /** Observed at or after / at or before these instants (ISO-8601, compared as instants, whatever offset each sighting has). */
  observedFrom: string | null;
  observedTo: string | null;
  /** Fields of the records that must equal these values (compared as text). */
  equals: [string, string][];
  /** A condition of its own (an OData `$filter`: odataFilter). */
  where?: SqlCondition | null;
}

/** Pages in this order instead of by row id, found by offset (OData's `$orderby` with `$skip`). */
export interface OrderedPage {
  by: 'observed_at' | 'received_at' | 'seq';
  descending: boolean;
  offset: number;
}

export type FeatureRow = SightingFields & { id: string; deviceName: string | null; receivedAt: string };

const FEATURE_COLUMNS = [...SIGHTING_FIELD_COLUMNS.map((column) => `s.${column} AS ${column}`), 's.id AS id', 's.received_at AS received_at'].join(', ');
/** A feature row's columns and the name of the device that sent it. */
const withFeatureColumns = (builder: SelectQueryBuilder<Sighting>) => withSender(builder).select(FEATURE_COLUMNS).addSelect('d.name', 'device_name');
const featureRow = (row: Record<string, unknown>): FeatureRow => ({
  ...sightingFieldsFromRow(row),
  id: String(row.id),
  deviceName: (row.device_name as string | null) ?? null,
  receivedAt: String(row.received_at),
});

/**
 * Items of a project for OGC API – Features, paged by the sighting's row id (which a new revision
 * keeps): a client walking the pages gets every sighting that was there when it started exactly
 * once, however many change meanwhile (paging by seq would move an edited one past the cursor).
 */
export class FeatureQueries {
  async pageIn(reader: Tx, projectId: string, query: FeatureQuery, afterId: string | null, limit: number, ordered: OrderedPage | null = null): Promise<FeatureRow[]> {
    const builder = withFeatureColumns(this.matching(reader, projectId, query));
    if (ordered) {
      builder
        .orderBy(`s.${ordered.by}`, ordered.descending ? 'DESC' : 'ASC')
        .addOrderBy('s.id', 'ASC')
        .offset(ordered.offset)
        .limit(limit);
    } else {
      if (afterId) builder.andWhere('s.id > :afterId', { afterId });
      builder.orderBy('s.id', 'ASC').limit(limit);
    }
    return (await builder.getRawMany<Record<string, unknown>>()).map(featureRow);
  }

  count(reader: Tx, projectId: string, query: FeatureQuery): Promise<number> {
    return this.matching(reader, projectId, query).getCount();
  }

  async oneIn(reader: Tx, projectId: string, uid: string): Promise<FeatureRow | null> {
    const row = await withFeatureColumns(reader.createQueryBuilder(Sighting, 's').where('s.projectId = :projectId AND s.uid = :uid', { projectId, uid })).getRawOne<Record<string, unknown>>();
    return row ? featureRow(row) : null;
  }

  /** The project's spatial and temporal extent (of the sightings not deleted). */
  async extentIn(reader: Tx, projectId: string): Promise<{ bbox: [number, number, number, number] | null; first: string | null; last: string | null }> {
    const row = await reader
      .createQueryBuilder(Sighting, 's')
      .select('MIN(s.longitude)', 'west')
      .addSelect('MIN(s.latitude)', 'south')
      .addSelect('MAX(s.longitude)', 'east')
      .addSelect('MAX(s.latitude)', 'north')
      .addSelect('MIN(s.observed_at)', 'first')
      .addSelect('MAX(s.observed_at)', 'last')
      .where('s.projectId = :projectId AND s.deleted = :deleted', { projectId, deleted: false })
      .getRawOne<Record<string, unknown>>();
    const bbox = row && row.west !== null && row.west !== undefined ? ([row.west, row.south, row.east, row.north].map(Number) as [number, number, number, number]) : null;
    return { bbox, first: (row?.first as string | null) ?? null, last: (row?.last as string | null) ?? null };
  }

  private matching(reader: Tx, projectId: string, query: FeatureQuery) {
    const postgres = reader.connection.options.type === 'postgres';
    const builder = whereFiltered(reader.createQueryBuilder(Sighting, 's').where('s.projectId = :projectId', { projectId }), query.filter);
    if (query.bbox) {
      const [west, south, east, north] = query.bbox;
      builder.andWhere('s.latitude BETWEEN :south AND :north', { south, north });
      // A box across the antimeridian (west > east) is the two sides of it.
      if (west <= east) builder.andWhere('s.longitude BETWEEN :west AND :east', { west, east });
      else builder.andWhere('(s.longitude >= :west OR s.longitude <= :east)', { west, east });
    }
    if (query.observedFrom) builder.andWhere(instantComparison('s.observed_at', '>=', 'observedFrom', postgres), { observedFrom: query.observedFrom });
    if (query.observedTo) builder.andWhere(instantComparison('s.observed_at', '<=', 'observedTo', postgres), { observedTo: query.observedTo });
    if (query.where) builder.andWhere(query.where.sql, query.where.parameters);
    for (const [index, [field, value]] of query.equals.entries()) {
      builder.andWhere(postgres ? `(s.data::json ->> :field${index}) = :value${index}` : `CAST(s.data ->> :field${index} AS TEXT) = :value${index}`, {
        [`field${index}`]: field,
        [`value${index}`]: value,
      });
    }
    return builder;
  }
}
