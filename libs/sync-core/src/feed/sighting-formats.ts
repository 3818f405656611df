import type { SightingFields } from '../db/repositories/sighting.repository.js';

/** The registered device whose upload carried a version, as it is named now; null for a door without one (shared folder, import, pull). */
export interface Sender {
  deviceName: string | null;
  deviceLogin: string | null;
}

export const NO_SENDER: Sender = { deviceName: null, deviceLogin: null };

/** A sighting as every download format shows it. */
export interface SightingView {
  id: string;
  /** The device id the record itself names (CyberTracker's own). */
  deviceId: string | null;
  deviceName: string | null;
  deviceLogin: string | null;
  kind: string;
  observedAt: string | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  accuracy: number | null;
  data: Record<string, unknown>;
  attachments: unknown[];
  deleted: boolean;
  revision: number;
  seq: number;
  batchId: string;
  reviewState: string;
}

export function sightingView(row: SightingFields & Sender): SightingView {
  return {
    id: row.uid,
    deviceId: row.deviceId,
    deviceName: row.deviceName,
    deviceLogin: row.deviceLogin,
    kind: row.kind,
    observedAt: row.observedAt,
    latitude: row.latitude,
    longitude: row.longitude,
    altitude: row.altitude,
    accuracy: row.accuracy,
    data: row.data,
    attachments: row.attachments,
    deleted: Boolean(row.deleted),
    revision: row.revision,
    seq: row.seq,
    batchId: row.batchId,
    reviewState: row.reviewState,
  };
}

/**
 * `wide-csv`, `xlsx` and `zip` have a column per field of the records (the others keep them in one
 * `data`); `zip` is the wide CSV with the photos and recordings it names, in `media/`.
 */
export type DownloadFormat = 'json' | 'ndjson' | 'csv' | 'geojson' | 'wide-csv' | 'xlsx' | 'zip' | 'gpkg';
export const DOWNLOAD_FORMATS: readonly DownloadFormat[] = ['json', 'ndjson', 'csv', 'geojson', 'wide-csv', 'xlsx', 'zip', 'gpkg'];
export type WideFormat = Extract<DownloadFormat, 'wide-csv' | 'xlsx' | 'zip' | 'gpkg'>;
export const isWide = (format: DownloadFormat): format is WideFormat => format === 'wide-csv' || format === 'xlsx' || format === 'zip' || format === 'gpkg';

/** How one format frames a stream of rows: it only serialises, the feed decides what rows come. */
export interface RowSerializer {
  contentType: string;
  start(next: number): string;
  row(view: SightingView, first: boolean): string;
  end(next: number): string;
}

const CSV_COLUMNS = [
  'id',
  'deviceId',
  'deviceName',
  'deviceLogin',
  'kind',
  'observedAt',
  'latitude',
  'longitude',
  'altitude',
  'accuracy',
  'deleted',
  'revision',
  'seq',
  'batchId',
  'reviewState',
  'data',
  'attachments',
] as const;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  // Most cells of a large download: nothing to quote or defuse.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // Quote when needed, and defuse spreadsheet formulas so an export never runs as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const SERIALIZERS: Record<Exclude<DownloadFormat, WideFormat>, RowSerializer> = {
  json: {
    contentType: 'application/json; charset=utf-8',
    start: () => '{"sightings":[',
    row: (view, first) => (first ? '' : ',') + JSON.stringify(view),
    end: (next) => `],"next":${JSON.stringify(String(next))}}`,
  },
  ndjson: {
    contentType: 'application/x-ndjson; charset=utf-8',
    start: () => '',
    row: (view) => `${JSON.stringify(view)}\n`,
    end: () => '',
  },
  csv: {
    contentType: 'text/csv; charset=utf-8',
    // Lines end in LF, as PostgreSQL's COPY writes them: every CSV reader takes it.
    start: () => `${CSV_COLUMNS.join(',')}\n`,
    row: (view) => `${CSV_COLUMNS.map((column) => csvField(view[column])).join(',')}\n`,
    end: () => '',
  },
  geojson: {
    contentType: 'application/geo+json; charset=utf-8',
    start: () => '{"type":"FeatureCollection","features":[',
    row: (view, first) => {
      const { longitude, latitude, altitude, ...properties } = view;
      const geometry = latitude === null || longitude === null ? null : { type: 'Point', coordinates: altitude === null ? [longitude, latitude] : [longitude, latitude, altitude] };
      return (first ? '' : ',') + JSON.stringify({ type: 'Feature', id: view.id, geometry, properties: { ...properties, latitude, longitude, altitude } });
    },
    end: (next) => `],"next":${JSON.stringify(String(next))}}`,
  },
};

const ATTACHMENT_NAMES = (view: SightingView) => (view.attachments as { name?: string }[]).map((attachment) => attachment.name ?? '').join('; ');

/** The columns every wide row starts with, before the record's own fields. */
const WIDE_FIXED: [string, (view: SightingView) => unknown][] = [
  ['id', (view) => view.id],
  ['revision', (view) => view.revision],
  ['deleted', (view) => view.deleted],
  ['kind', (view) => view.kind],
  ['observedAt', (view) => view.observedAt],
  ['latitude', (view) => view.latitude],
  ['longitude', (view) => view.longitude],
  ['altitude', (view) => view.altitude],
  ['accuracy', (view) => view.accuracy],
  ['deviceId', (view) => view.deviceId],
  ['deviceName', (view) => view.deviceName],
  ['deviceLogin', (view) => view.deviceLogin],
  ['attachments', (view) => ATTACHMENT_NAMES(view)],
  ['seq', (view) => view.seq],
  ['batchId', (view) => view.batchId],
  ['reviewState', (view) => view.reviewState],
];

/** A wide table's header and how a row fills it: the fixed columns, then one per field (named `data.x` where a field shares a fixed column's name). */
export interface WideColumns {
  header: string[];
  cells(view: SightingView): unknown[];
}

/** `attachments` says what the attachments cell holds: their names, or (in a zip) where each file is. */
export function wideColumns(fields: string[], attachments: (view: SightingView) => unknown = ATTACHMENT_NAMES): WideColumns {
  const fixed = new Set(WIDE_FIXED.map(([name]) => name));
  const values = WIDE_FIXED.map(([name, value]) => (name === 'attachments' ? attachments : value));
  return {
    header: [...WIDE_FIXED.map(([name]) => name), ...fields.map((field) => (fixed.has(field) ? `data.${field}` : field))],
    cells: (view) => [...values.map((value) => value(view)), ...fields.map((field) => view.data[field] ?? null)],
  };
}

export function wideCsvSerializer(columns: WideColumns): RowSerializer {
  return {
    contentType: 'text/csv; charset=utf-8',
    start: () => `${columns.header.map(csvField).join(',')}\n`,
    row: (view) => `${columns.cells(view).map(csvField).join(',')}\n`,
    end: () => '',
  };
}
