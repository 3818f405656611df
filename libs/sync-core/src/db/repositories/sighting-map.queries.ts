import { Database, Tx } from '../database.js';
import { Sighting } from '../entities/index.js';
import { VERSION_COLUMNS, versionFromRow, VersionRow } from './sighting.repository.js';
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

export type StoredVersionRow = VersionRow;

/**
 * The map's and the detail view's reads of `sighting`. The map groups in the database, so a
 * browser gets at most `limit` clusters however many sightings the project holds.
 */
export class SightingMapQueries {
  constructor(private readonly database: Database) {}

  /** Inside a transaction of its own (the PostgreSQL settings below hold for it alone). */
  async clustersInTx(reader: Tx, projectId: string, filter: SightingFilter, view: MapView): Promise<MapCluster[]> {
    const postgres = this.database.type === 'postgres';
    if (postgres) {
      // Grouping a million rows into a few thousand cells: PostgreSQL's estimate of the groups is
      // far too high, so with the default work_mem it sorts on disk instead of hashing (750 ms
      // against 460 ms for 1M rows, EXPLAIN ANALYZE); compiling the query (JIT) costs more than it saves.
      await this.database.queryInTx(reader, "SET LOCAL work_mem = '64MB'");
      await this.database.queryInTx(reader, 'SET LOCAL jit = off');
    }
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
      // The newest seq names one sighting of the cluster: a number compares faster than a uid's text.
      .addSelect('MAX(s.seq)', 'seq')
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
      .getRawMany<Record<'count' | 'longitude' | 'latitude' | 'west' | 'south' | 'east' | 'north' | 'seq', string | number> & { colour: string | null }>();
    const uids = await this.uidsOf(
      reader,
      projectId,
      rows.map((row) => Number(row.seq)),
    );
    return rows.map((row) => ({
      longitude: Number(row.longitude),
      latitude: Number(row.latitude),
      count: Number(row.count),
      colour: row.colour ?? null,
      uid: uids.get(Number(row.seq)) ?? '',
      bbox: [Number(row.west), Number(row.south), Number(row.east), Number(row.north)],
    }));
  }

  /** The uids of these seqs of the project (found through the (project_id, seq) index). */
  private async uidsOf(reader: Tx, projectId: string, seqs: number[]): Promise<Map<number, string>> {
    const uids = new Map<number, string>();
    const perQuery = 1000;
    for (let start = 0; start < seqs.length; start += perQuery) {
      const part = seqs.slice(start, start + perQuery);
      const rows = await this.database.queryInTx<{ seq: string | number; uid: string }>(reader, `SELECT seq, uid FROM sighting WHERE project_id = ? AND seq IN (${part.map(() => '?').join(', ')})`, [
        projectId,
        ...part,
      ]);
      for (const row of rows) uids.set(Number(row.seq), row.uid);
    }
    return uids;
  }

  /** The versions a sighting had before its current one, newest first. */
  async earlierVersions(reader: Tx, projectId: string, uid: string): Promise<StoredVersionRow[]> {
    const rows = await this.database.queryInTx(reader, `SELECT ${VERSION_COLUMNS} FROM sighting_version WHERE project_id = ? AND uid = ? ORDER BY seq DESC`, [projectId, uid]);
    return rows.map(versionFromRow);
  }
}
