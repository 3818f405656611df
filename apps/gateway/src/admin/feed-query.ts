import { BadRequestException } from '@nestjs/common';
import { DOWNLOAD_FORMATS, DownloadFormat, SightingKind } from '@fieldsync/sync-core';

export interface SightingsParams {
  after?: string;
  limit?: string;
  kind?: string;
  includeDeleted?: string;
  format?: string;
}

export interface ParsedSightingsQuery {
  after: number;
  limit: number | null;
  kind: SightingKind | null;
  includeDeleted: boolean;
  format: DownloadFormat;
}

const KINDS: SightingKind[] = ['sighting', 'waypoint', 'alert'];
const MAX_JSON_PAGE = 10_000;
const DEFAULT_JSON_PAGE = 1000;

/** Turns the query string into a feed query, with a 400 that names the bad parameter. */
export function parseSightingsQuery(params: SightingsParams, acceptHeader: string | undefined): ParsedSightingsQuery {
  const format = (params.format ?? formatFromAccept(acceptHeader)) as DownloadFormat;
  if (!DOWNLOAD_FORMATS.includes(format)) throw new BadRequestException(`format must be one of ${DOWNLOAD_FORMATS.join(', ')}`);
  const after = params.after === undefined || params.after === '' ? 0 : Number(params.after);
  if (!/^\d{0,16}$/.test(params.after ?? '') || !Number.isSafeInteger(after)) throw new BadRequestException('after must be a cursor returned as "next" (a whole number)');
  let limit: number | null = format === 'json' ? DEFAULT_JSON_PAGE : null;
  if (params.limit !== undefined) {
    limit = Number(params.limit);
    const max = format === 'json' ? MAX_JSON_PAGE : Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new BadRequestException(`limit must be a whole number from 1 to ${max}`);
  }
  if (params.kind !== undefined && !KINDS.includes(params.kind as SightingKind)) throw new BadRequestException(`kind must be one of ${KINDS.join(', ')}`);
  if (params.includeDeleted !== undefined && !['true', 'false'].includes(params.includeDeleted)) throw new BadRequestException('includeDeleted must be true or false');
  return { after, limit, kind: (params.kind as SightingKind) ?? null, includeDeleted: params.includeDeleted === 'true', format };
}

function formatFromAccept(accept: string | undefined): DownloadFormat {
  if (!accept) return 'json';
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  if (accept.includes('application/geo+json')) return 'geojson';
  return 'json';
}
