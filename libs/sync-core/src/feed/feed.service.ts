import { Database } from '../db/database.js';
import { ProjectFeed } from '../db/entities/index.js';
import { FeedExportQueries } from '../db/repositories/feed-export.queries.js';
import { FeedQueries, SightingFilter } from '../db/repositories/feed.queries.js';
import { SIGHTING_FIELD_COLUMNS, sightingFieldsFromRow, SightingFields } from '../db/repositories/sighting.repository.js';
import { InvalidInputError } from '../errors.js';
import { DownloadFormat, isWide, RowSerializer, Sender, SERIALIZERS, sightingView, SightingView, wideColumns, wideCsvSerializer } from './sighting-formats.js';
import { jsonLines } from './json-lines.js';
import { csvWithMedia, MediaIndex, MediaOpener } from './media-zip.js';
import { xlsxPackage, xlsxSheetSerializer } from './xlsx-writer.js';
import { GEOPACKAGE_CONTENT_TYPE, geoPackage } from '../db/geopackage-file.js';

export interface FeedQuery extends SightingFilter {
  projectId: string;
  after: number;
  /** At most this many rows; null streams everything up to the snapshot. */
  limit: number | null;
}

export interface FeedWindow {
  /** The cursor a reader passes back as `after` to continue exactly where this window ends. */
  next: number;
  rows: AsyncGenerator<FeedRow>;
}

/** A download in one format: its bytes, and what it held once they are read. */
export interface Download {
  contentType: string;
  /** The cursor to pass back as `after` for the next download. */
  next: number;
  chunks: AsyncIterable<string | Buffer>;
  /** Rows written, once `chunks` is exhausted. */
  rows(): number;
}

const PAGE_ROWS = 2000;
/** An Excel sheet's rows, the header's included: Excel drops the rest of a longer sheet without a word. */
export const XLSX_MAX_ROWS = 1_048_576;
/** Serialised rows are written in pieces of about this size. */
const WRITE_CHARS = 64 * 1024;
const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** Columns read for the feed, as raw values under their own names: hydrating entities cost more than the export itself. */
const FEED_COLUMNS: [string, string][] = [...SIGHTING_FIELD_COLUMNS.map((column): [string, string] => [`s.${column}`, column]), ['d.name', 'device_name'], ['d.login', 'device_login']];

/** A sighting as the feed reads it: what every download format shows. */
export type FeedRow = SightingFields & Sender;

/**
 * The one cursor feed behind every download format. A window is (after, upTo]: `upTo` never
 * exceeds the project's committed feed counter, and every seq at or below it is committed
 * (seqs are assigned under the counter's row lock), so a reader that passes `next` back sees
 * every change exactly once, in commit order.
 */
export class FeedService {
  private readonly queries = new FeedQueries();
  private readonly exports: FeedExportQueries;

  constructor(private readonly database: Database) {
    this.exports = new FeedExportQueries(database);
  }

  async open(query: FeedQuery): Promise<FeedWindow> {
    const upTo = await this.upTo(query);
    return { next: Math.max(upTo, query.after), rows: this.stream(query, upTo) };
  }

  /**
   * The window serialised in a download format. On PostgreSQL the line formats are written by the
   * database itself (COPY … TO STDOUT) and passed through untouched: serialising in JavaScript
   * ran at a fifth of the database's own export.
   */
  /** `media` opens the project's stored attachments, for the zip format. */
  async download(query: FeedQuery, format: DownloadFormat, media?: MediaOpener): Promise<Download> {
    const upTo = await this.upTo(query);
    const next = Math.max(upTo, query.after);
    if (isWide(format)) {
      if (format === 'xlsx' && (await this.database.read((manager) => this.queries.nthSeq(manager, query, upTo, XLSX_MAX_ROWS)))) {
        throw new InvalidInputError(
          `more than ${XLSX_MAX_ROWS - 1} sightings match: an Excel sheet holds 1,048,576 rows with its header, and Excel would cut the rest off without a word. Narrow the download (dates, kind, device, after=) or take wide-csv`,
        );
      }
      // The window's field names first (the header), then its rows against them.
      const fields = await this.database.read((manager) => this.queries.fieldNames(manager, query, upTo));
      if (format === 'gpkg') {
        let rows = 0;
        const counted = async function* (views: AsyncIterable<SightingView[]>) {
          for await (const page of views) {
            rows += page.length;
            yield page;
          }
        };
        return { contentType: GEOPACKAGE_CONTENT_TYPE, next, chunks: geoPackage(counted(this.views(query, upTo)), fields), rows: () => rows };
      }
      if (format === 'zip') {
        if (!media) throw new Error("a zip download needs the project's media");
        const index = new MediaIndex();
        const written = this.serialised(query, upTo, next, wideCsvSerializer(wideColumns(fields, index.cell)));
        return { contentType: 'application/zip', next, chunks: csvWithMedia(written.chunks, index, media), rows: written.rows };
      }
      const columns = wideColumns(fields);
      const serializer = format === 'xlsx' ? xlsxSheetSerializer(columns) : wideCsvSerializer(columns);
      const written = this.serialised(query, upTo, next, serializer);
      return { contentType: serializer.contentType, next, chunks: format === 'xlsx' ? xlsxPackage(written.chunks) : written.chunks, rows: written.rows };
    }
    const serializer = SERIALIZERS[format];
    if (this.database.type === 'postgres' && format !== 'json') {
      const copied = await this.exports.copy(query, upTo, format);
      const lines = format === 'geojson' ? joinedByCommas(copied) : copied;
      return { contentType: serializer.contentType, next, chunks: framed(serializer.start(next), lines, serializer.end(next)), rows: () => copied.rowCount };
    }
    return { contentType: serializer.contentType, next, ...this.serialised(query, upTo, next, serializer) };
  }

  /** The window's rows through a serializer, written in pieces of about WRITE_CHARS. */
  private serialised(query: FeedQuery, upTo: number, next: number, serializer: RowSerializer): { chunks: AsyncGenerator<string>; rows(): number } {
    let rows = 0;
    const stream = this.views(query, upTo);
    async function* chunks(): AsyncGenerator<string> {
      let pending = serializer.start(next);
      for await (const views of stream) {
        for (const view of views) {
          pending += serializer.row(view, rows === 0);
          rows++;
        }
        if (pending.length >= WRITE_CHARS) {
          yield pending;
          pending = '';
        }
      }
      yield pending + serializer.end(next);
    }
    return { chunks: chunks(), rows: () => rows };
  }

  /** The window's upper bound: the committed feed counter, or the seq of the limit-th matching row. */
  private upTo(query: FeedQuery): Promise<number> {
    return this.database.read(async (manager) => {
      const feed = await manager.findOneBy(ProjectFeed, { projectId: query.projectId });
      const committed = feed?.lastSeq ?? 0;
      if (query.limit === null) return committed;
      return (await this.queries.nthSeq(manager, query, committed, query.limit)) ?? committed;
    });
  }

  /**
   * The window's rows as every format shows them. On PostgreSQL the database writes each as a JSON
   * line in one COPY (one statement, one snapshot, no page round trips), and a line parsed is a
   * SightingView: reading pages of columns left the wide downloads waiting on the database and
   * building rows twice (a fifth of the plain CSV's speed, bench/README.md).
   */
  private async *views(query: FeedQuery, upTo: number): AsyncGenerator<SightingView[]> {
    if (this.database.type === 'postgres') {
      // A chunk's lines at a time: a step of an async generator per row cost more than the row.
      for await (const lines of jsonLines(await this.exports.copy(query, upTo, 'ndjson'))) yield lines.map((line) => JSON.parse(line) as SightingView);
      return;
    }
    for await (const row of this.stream(query, upTo)) yield [sightingView(row)];
  }

  private async *stream(query: FeedQuery, upTo: number): AsyncGenerator<FeedRow> {
    let cursor = query.after;
    while (cursor < upTo) {
      const page = await this.database.read((manager) => this.queries.page(manager, { ...query, after: cursor }, upTo, FEED_COLUMNS, PAGE_ROWS));
      if (page.length === 0) return;
      for (const raw of page) yield { ...sightingFieldsFromRow(raw), deviceName: (raw.device_name as string | null) ?? null, deviceLogin: (raw.device_login as string | null) ?? null };
      cursor = Number(page[page.length - 1].seq);
    }
  }
}

async function* framed(start: string, body: AsyncIterable<Buffer>, end: string): AsyncGenerator<string | Buffer> {
  if (start) yield start;
  yield* body;
  if (end) yield end;
}

/** JSON lines (one per sighting, each ending in a newline) as the elements of a JSON array. */
async function* joinedByCommas(lines: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const comma = Buffer.from(',');
  // A line's newline is held back until more follows, so the last element gets no comma.
  let lineEnded = false;
  for await (const chunk of lines) {
    if (chunk.length === 0) continue;
    if (lineEnded) yield comma;
    const last = chunk.length - 1;
    lineEnded = chunk[last] === NEWLINE;
    const body = lineEnded ? chunk.subarray(0, last) : chunk;
    // JSON text holds no raw newline: every one is a line's end.
    for (let at = body.indexOf(NEWLINE); at !== -1; at = body.indexOf(NEWLINE, at + 1)) body[at] = COMMA;
    if (body.length > 0) yield body;
  }
}
