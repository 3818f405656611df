import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { SightingView } from '../feed/sighting-formats.js';

export const GEOPACKAGE_CONTENT_TYPE = 'application/geopackage+sqlite3';

/** GeoPackage 1.3: the file's application id ('GPKG') and version, as OGC 12-128r18 asks. */
const APPLICATION_ID = 0x47504b47;
const USER_VERSION = 10300;
const WGS84 = 4326;
/** Rows written per transaction: the file's journal stays small, memory flat. */
const ROWS_PER_TRANSACTION = 5_000;

/** The columns every layer starts with, before one per field of the records. */
const FIXED: [string, string, (view: SightingView) => unknown][] = [
  ['id', 'TEXT', (view) => view.id],
  ['observedAt', 'TEXT', (view) => view.observedAt],
  ['deviceId', 'TEXT', (view) => view.deviceId],
  ['deviceName', 'TEXT', (view) => view.deviceName],
  ['revision', 'INTEGER', (view) => view.revision],
  ['reviewState', 'TEXT', (view) => view.reviewState],
  ['deleted', 'BOOLEAN', (view) => (view.deleted ? 1 : 0)],
  ['attachments', 'TEXT', (view) => (view.attachments as { name?: string }[]).map((attachment) => attachment.name ?? '').join('; ') || null],
];

/** A point as GeoPackage stores it: the GP header (little-endian, no envelope, WGS 84), then WKB. */
export function geoPackagePoint(longitude: number, latitude: number): Buffer {
  const geometry = Buffer.alloc(8 + 21);
  geometry.write('GP', 0, 'ascii');
  geometry.writeUInt8(0, 2);
  geometry.writeUInt8(0b0000_0001, 3);
  geometry.writeInt32LE(WGS84, 4);
  geometry.writeUInt8(1, 8);
  geometry.writeUInt32LE(1, 9);
  geometry.writeDoubleLE(longitude, 13);
  geometry.writeDoubleLE(latitude, 21);
  return geometry;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A field's value as a column holds it: numbers and booleans as such, text as text, the rest as JSON. */
function stored(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * A GeoPackage of sightings, one point layer per kind (EPSG:4326), a column per field after the fixed
 * ones, written with better-sqlite3 into a temporary file (a GeoPackage is an SQLite database, and
 * this project already ships the driver; a GeoPackage library would add GDAL-sized dependencies for
 * four tables and a 29-byte point). Rows go in as they stream from the feed, a transaction per
 * few thousand, so memory does not grow with the download; the file is then streamed out and removed.
 */
export async function* geoPackage(views: AsyncIterable<SightingView[]>, fields: string[]): AsyncGenerator<Buffer> {
  const folder = await mkdtemp(join(tmpdir(), 'fieldsync-gpkg-'));
  const path = join(folder, 'sightings.gpkg');
  try {
    const file = new BetterSqlite3(path);
    try {
      createTables(file);
      await writeRows(file, fields, views);
    } finally {
      file.close();
    }
    yield* createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The GeoPackage's own tables: reference systems, contents, geometry columns. */
function createTables(file: BetterSqlite3.Database): void {
  // A file nobody else opens until it is whole, and thrown away if the download fails: no journal,
  // no flushes, one lock, pages kept in memory while it grows.
  file.pragma('journal_mode = OFF');
  file.pragma('synchronous = OFF');
  file.pragma('locking_mode = EXCLUSIVE');
  file.pragma('cache_size = -32000');
  file.pragma(`application_id = ${APPLICATION_ID}`);
  file.pragma(`user_version = ${USER_VERSION}`);
  file.exec(`
    CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
    INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
    INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
    INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
    CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
    CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
  `);
}

async function writeRows(file: BetterSqlite3.Database, fields: string[], views: AsyncIterable<SightingView[]>): Promise<void> {
  const fixedNames = new Set(FIXED.map(([name]) => name.toLowerCase()));
  // A field named like a fixed column (or like another field, SQLite's names being case-blind) is data.<name>.
  const seen = new Set(['fid', 'geom', ...fixedNames]);
  const fieldColumns = fields.map((field) => {
    let name = seen.has(field.toLowerCase()) ? `data.${field}` : field;
    while (seen.has(name.toLowerCase())) name = `${name}_`;
    seen.add(name.toLowerCase());
    return name;
  });
  const layers = new Map<string, { insert: BetterSqlite3.Statement; bounds: [number, number, number, number] | null }>();
  const layerOf = (kind: string) => {
    let layer = layers.get(kind);
    if (layer) return layer;
    const columns = [...FIXED.map(([name, type]) => `${quoted(name)} ${type}`), ...fieldColumns.map((name) => `${quoted(name)} TEXT`)];
    file.exec(`CREATE TABLE ${quoted(kind)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, ${columns.join(', ')})`);
    file.prepare(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ${WGS84})`).run(kind, kind, `FieldSync ${kind}s`);
    file.prepare(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ${WGS84}, 0, 0)`).run(kind);
    const names = ['geom', ...FIXED.map(([name]) => name), ...fieldColumns];
    layer = { insert: file.prepare(`INSERT INTO ${quoted(kind)} (${names.map(quoted).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`), bounds: null };
    layers.set(kind, layer);
    return layer;
  };
  let pending: SightingView[] = [];
  const flush = file.transaction((rows: SightingView[]) => {
    for (const view of rows) {
      const layer = layerOf(view.kind);
      const point = view.latitude !== null && view.longitude !== null;
      if (point) {
        const [west, south, east, north] = layer.bounds ?? [view.longitude!, view.latitude!, view.longitude!, view.latitude!];
        layer.bounds = [Math.min(west, view.longitude!), Math.min(south, view.latitude!), Math.max(east, view.longitude!), Math.max(north, view.latitude!)];
      }
      layer.insert.run(point ? geoPackagePoint(view.longitude!, view.latitude!) : null, ...FIXED.map(([, , value]) => stored(value(view))), ...fields.map((field) => stored(view.data[field])));
    }
  });
  for await (const page of views) {
    pending.push(...page);
    if (pending.length >= ROWS_PER_TRANSACTION) {
      flush(pending);
      pending = [];
    }
  }
  flush(pending);
  for (const [kind, { bounds }] of layers) {
    if (bounds) file.prepare('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?').run(...bounds, kind);
  }
}
