import { Database, Tx } from '../database.js';
import { Sighting } from '../entities/index.js';
import { VERSION_COLUMNS } from './sighting.repository.js';
import { SightingFilter, whereFiltered } from './feed.queries.js';

/** The part of the map the browser shows, and how finely to group what falls in it. */
export interface MapView {
  west: number;
  south: number;
  east: number;
  north: number;
  /** The side of a grid cell in degrees: sightings in one cell (and of one colour) become one cluster. */
  cell: number;
  /** 'kind', or the name of a record field whose value colours the points. */
  colourBy: string;
  /** At most this many clusters, the largest first. */
  limit: number;
}

export interface MapCluster {
  longitude: number;
  latitude: number;
  count: number;
  /** The kind or the field's value shared by the cluster's sightings (null when the field is empty). */
  colour: string | null;
  /** A sighting of the cluster: the only one when count is 1. */
  uid: string;
  /** The cluster's extent [west, south, east, north], to zoom to. */
  bbox: [number, number, number, number];
}

export interface StoredVersionRow {
  seq: number;
  revision: number;
  kind: string;
  observedAt: string | null;
  latitude: number | null;
  longitude: number | null;
  data: Record<string, unknown>;
  attachments: unknown[];
  deleted: boolean;
  batchId: string;
  receivedAt: string;
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/**
 * The map's and the detail view's reads of `sighting`. The map groups in the database, so a
 * browser gets at most `limit` clusters however many sightings the project holds.
 */
export class SightingMapQueries {
  constructor(private readonly database: Database) {}

  async clusters(reader: Tx, projectId: string, filter: SightingFilter, view: MapView): Promise<MapCluster[]> {
    const postgres = this.database.type === 'postgres';
    // Coordinates shifted to be positive, so truncation is the floor on either database.
    const cellOf = (column: string, shift: number) => (postgres ? `FLOOR((${column} + ${shift}) / :cell)` : `CAST((${column} + ${shift}) / :cell AS INTEGER)`);
    const colour = view.colourBy === 'kind' ? 's.kind' : postgres ? `(CAST(s.data AS json) ->> :field)` : `CAST(json_extract(s.data, :fieldPath) AS TEXT)`;
    const builder = reader
      .createQueryBuilder(Sighting, 's')
      .select(`${cellOf('s.longitude', 180)}`, 'gx')
      .addSelect(`${cellOf('s.latitude', 90)}`, 'gy')
      .addSelect(colour, 'colour')
      .addSelect('COUNT(*)', 'count')
      .addSelect('AVG(s.longitude)', 'longitude')
      .addSelect('AVG(s.latitude)', 'latitude')
      .addSelect('MIN(s.uid)', 'uid')
      .addSelect('MIN(s.longitude)', 'west')
      .addSelect('MIN(s.latitude)', 'south')
      .addSelect('MAX(s.longitude)', 'east')
      .addSelect('MAX(s.latitude)', 'north')
      .where('s.projectId = :projectId', { projectId })
      .andWhere('s.longitude BETWEEN :west AND :east', { west: view.west, east: view.east })
      .andWhere('s.latitude BETWEEN :south AND :north', { south: view.south, north: view.north })
      .setParameters({ cell: view.cell, field: view.colourBy, fieldPath: `$."${view.colourBy.replace(/"/g, '')}"` });
    whereFiltered(builder, filter);
    const rows = await builder
      .groupBy('gx')
      .addGroupBy('gy')
      .addGroupBy('colour')
      .orderBy('count', 'DESC')
      .limit(view.limit)
      .getRawMany<Record<'count' | 'longitude' | 'latitude' | 'west' | 'south' | 'east' | 'north', string | number> & { colour: string | null; uid: string }>();
    return rows.map((row) => ({
      longitude: Number(row.longitude),
      latitude: Number(row.latitude),
      count: Number(row.count),
      colour: row.colour ?? null,
      uid: row.uid,
      bbox: [Number(row.west), Number(row.south), Number(row.east), Number(row.north)],
    }));
  }

  /** The versions a sighting had before its current one, newest first. */
  async earlierVersions(reader: Tx, projectId: string, uid: string): Promise<StoredVersionRow[]> {
    const rows = await this.database.queryInTx(reader, `SELECT ${VERSION_COLUMNS} FROM sighting_version WHERE project_id = ? AND uid = ? ORDER BY seq DESC`, [projectId, uid]);
    return rows.map((row) => ({
      seq: Number(row.seq),
      revision: Number(row.revision),
      kind: String(row.kind),
      observedAt: (row.observed_at as string | null) ?? null,
      latitude: numberOrNull(row.latitude),
      longitude: numberOrNull(row.longitude),
      data: JSON.parse(String(row.data)) as Record<string, unknown>,
      attachments: JSON.parse(String(row.attachments)) as unknown[],
      deleted: row.deleted === true || row.deleted === 1,
      batchId: String(row.batch_id),
      receivedAt: String(row.received_at),
    }));
  }
}
