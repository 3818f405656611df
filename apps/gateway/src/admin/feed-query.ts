import { BadRequestException } from '@nestjs/common';
import { DOWNLOAD_FORMATS, DownloadFormat, REVIEW_STATES, ReviewState, SightingFilter, SightingKind } from '@fieldsync/sync-core';
import type { MapView } from '@fieldsync/sync-core';

/** The filter parameters: the same for the feed, the table and the map. */
export interface FilterParams {
  kind?: string;
  includeDeleted?: string;
  device?: string;
  from?: string;
  to?: string;
  q?: string;
  review?: string;
}

export interface SightingsParams extends FilterParams {
  after?: string;
  limit?: string;
  format?: string;
}

export interface MapParams extends FilterParams {
  west?: string;
  south?: string;
  east?: string;
  north?: string;
  zoom?: string;
  colourBy?: string;
}

export interface ParsedSightingsQuery extends SightingFilter {
  after: number;
  limit: number | null;
  format: DownloadFormat;
}

const KINDS: SightingKind[] = ['sighting', 'waypoint', 'alert'];
const MAX_JSON_PAGE = 10_000;
const DEFAULT_JSON_PAGE = 1000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Clusters sent for one view at most: what a browser draws smoothly. */
const MAX_CLUSTERS = 5000;
/** Cells per 256-pixel tile side: a cluster covers about 32 pixels. */
const CELLS_PER_TILE = 8;

/** Turns the filter parameters into a filter, with a 400 that names the bad parameter. */
export function parseFilter(params: FilterParams): SightingFilter {
  if (params.kind !== undefined && params.kind !== '' && !KINDS.includes(params.kind as SightingKind)) throw new BadRequestException(`kind must be one of ${KINDS.join(', ')}`);
  if (params.includeDeleted !== undefined && !['true', 'false'].includes(params.includeDeleted)) throw new BadRequestException('includeDeleted must be true or false');
  for (const name of ['from', 'to'] as const) {
    const value = params[name];
    if (value && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) throw new BadRequestException(`${name} must be a day written YYYY-MM-DD`);
  }
  if (params.device !== undefined && params.device.length > 128) throw new BadRequestException('device must be at most 128 characters');
  if (params.q !== undefined && params.q.length > 200) throw new BadRequestException('q must be at most 200 characters');
  const reviewStates = params.review ? params.review.split(',').map((state) => state.trim()) : null;
  const unknown = reviewStates?.filter((state) => !REVIEW_STATES.includes(state as ReviewState)) ?? [];
  if (unknown.length > 0) throw new BadRequestException(`review must be review states separated by commas (${REVIEW_STATES.join(', ')}); not ${unknown.join(', ')}`);
  return {
    kind: (params.kind || null) as SightingKind | null,
    includeDeleted: params.includeDeleted === 'true',
    deviceId: params.device || null,
    from: params.from || null,
    to: params.to || null,
    text: params.q?.trim() || null,
    reviewStates: reviewStates as ReviewState[] | null,
  };
}

/**
 * The one rule for a feed cursor, in the feed, the downloads and the live stream: absent or empty
 * is the start (0); otherwise the whole number a "next" (or an event id) gave.
 */
export function parseCursor(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return 0;
  const cursor = Number(value);
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(cursor)) throw new BadRequestException(`${name} must be a cursor returned as "next" (a whole number)`);
  return cursor;
}

/** Turns the query string into a feed query, with a 400 that names the bad parameter. */
export function parseSightingsQuery(params: SightingsParams, acceptHeader: string | undefined): ParsedSightingsQuery {
  const format = (params.format ?? formatFromAccept(acceptHeader)) as DownloadFormat;
  if (!DOWNLOAD_FORMATS.includes(format)) throw new BadRequestException(`format must be one of ${DOWNLOAD_FORMATS.join(', ')}`);
  const after = parseCursor(params.after, 'after');
  let limit: number | null = format === 'json' ? DEFAULT_JSON_PAGE : null;
  if (params.limit !== undefined) {
    limit = Number(params.limit);
    const max = format === 'json' ? MAX_JSON_PAGE : Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new BadRequestException(`limit must be a whole number from 1 to ${max}`);
  }
  return { ...parseFilter(params), after, limit, format };
}

/** The map's view: a bounding box in degrees and a zoom level that sets the cluster size. */
export function parseMapView(params: MapParams): MapView {
  const number = (name: 'west' | 'south' | 'east' | 'north' | 'zoom', fallback: number, min: number, max: number) => {
    const value = params[name] === undefined || params[name] === '' ? fallback : Number(params[name]);
    if (!Number.isFinite(value) || value < min || value > max) throw new BadRequestException(`${name} must be a number from ${min} to ${max}`);
    return value;
  };
  const zoom = number('zoom', 0, 0, 24);
  const colourBy = params.colourBy || 'kind';
  if (colourBy.length > 100 || !/^[\p{L}\p{N}_\-. ]+$/u.test(colourBy)) throw new BadRequestException('colourBy must be "kind" or the name of a field');
  return {
    west: number('west', -180, -180, 180),
    south: number('south', -90, -90, 90),
    east: number('east', 180, -180, 180),
    north: number('north', 90, -90, 90),
    cell: 360 / (2 ** Math.floor(zoom) * CELLS_PER_TILE),
    colourBy,
    limit: MAX_CLUSTERS,
  };
}

function formatFromAccept(accept: string | undefined): DownloadFormat {
  if (!accept) return 'json';
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  if (accept.includes('application/geo+json')) return 'geojson';
  return 'json';
}
