import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { SightingKind } from '../db/entities/index.js';
import { calendarProblem } from '../merge/record-validation.js';
import { AttachmentFile, DecodedItem, distinctFieldNames, FormatDecoder, setField, SightingRecord, UnreadableFileError } from './format.js';

const MAX_RECORD_CHARS = 1024 * 1024;
const KINDS: readonly SightingKind[] = ['sighting', 'waypoint', 'alert'];

/** Header names each well-known column may have (compared lower-case, without spaces and underscores). */
const COLUMN_NAMES: Record<string, string[]> = {
  id: ['id', 'uid', 'guid', 'sightingid', 'instanceid'],
  deviceId: ['deviceid', 'device'],
  observedAt: ['timestamp', 'datetime', 'observedat', 'time', 'date'],
  latitude: ['latitude', 'lat'],
  longitude: ['longitude', 'lon', 'lng', 'long'],
  altitude: ['altitude', 'alt', 'elevation'],
  accuracy: ['accuracy', 'acc'],
  kind: ['kind'],
  deleted: ['deleted'],
};

function normalisedHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

function headerLine(head: Buffer): string {
  const text = head
    .subarray(0, 16 * 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  return text.split(/\r?\n/, 1)[0] ?? '';
}

function delimiterOf(line: string): string {
  const counts = [',', ';', '\t'].map((delimiter) => ({ delimiter, n: line.split(delimiter).length }));
  return counts.sort((a, b) => b.n - a.n)[0].delimiter;
}

function number(value: string | undefined, column: string): number | null {
  if (value === undefined || value.trim() === '') return null;
  const parsed = Number(value.trim().replace(',', '.'));
  if (!Number.isFinite(parsed)) throw new Error(`${column} "${value.slice(0, 40)}" is not a number`);
  return parsed;
}

/**
 * A cell as data: numbers become numbers, everything else stays text. A number written with
 * leading zeros (a tag "007", a plot "0042") is a code, and stays text: as a number it would lose them.
 */
function cellValue(value: string): unknown {
  const trimmed = value.trim();
  return /^-?\d{1,15}(\.\d+)?$/.test(trimmed) && !/^-?0\d/.test(trimmed) ? Number(value) : value;
}

export interface CsvOptions {
  /** Media files found next to the CSV (in a zip): a cell naming one makes it an attachment. */
  media?: Map<string, AttachmentFile>;
}

/**
 * Reads a CSV of sightings: a header with id, deviceId, timestamp, latitude, longitude, altitude,
 * accuracy (common spellings accepted), then one column per field. The delimiter (, ; or tab)
 * comes from the header line. A row with the wrong number of cells is reported, not guessed.
 */
export async function* decodeCsv(bytes: AsyncIterable<Buffer>, options: CsvOptions = {}): AsyncGenerator<DecodedItem> {
  const iterator = bytes[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const delimiter = delimiterOf(headerLine(first.value));
  async function* all() {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const rows = Readable.from(all()).pipe(parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: MAX_RECORD_CHARS }));
  let header: string[] | null = null;
  let fields: string[] = [];
  let roles: Map<number, string> = new Map();
  let index = 0;
  try {
    for await (const cells of rows as AsyncIterable<string[]>) {
      if (!header) {
        header = cells.map((cell) => cell.trim());
        fields = distinctFieldNames(header);
        roles = new Map();
        header.forEach((name, column) => {
          const role = Object.entries(COLUMN_NAMES).find(([, names]) => names.includes(normalisedHeader(name)))?.[0];
          if (role && ![...roles.values()].includes(role)) roles.set(column, role);
        });
        if (![...roles.values()].includes('latitude') && ![...roles.values()].includes('id')) {
          throw new UnreadableFileError('the CSV header has neither an id nor a latitude column; the first line must name the columns');
        }
        continue;
      }
      try {
        if (cells.length !== header.length) throw new Error(`it has ${cells.length} cells, the header ${header.length}`);
        yield { index, record: rowToRecord(header, fields, roles, cells, options.media) };
      } catch (error) {
        // Named as a spreadsheet names it: the header is row 1.
        yield { index, reason: `spreadsheet row ${index + 2}: ${(error as Error).message}` };
      }
      index++;
    }
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw new UnreadableFileError(`the CSV cannot be read after row ${index}: ${(error as Error).message}`);
  }
}

/** "2026-03-01 10:00" or "2026-03-01 10:00:00", as Excel and LibreOffice write a date and time. */
const SPREADSHEET_DATE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/;

/**
 * The observation time of a row: ISO-8601 as it is, or the spreadsheet form read the same way
 * (a time without an offset stays a local time, as in ISO-8601). A date the calendar does not
 * have is refused here, naming the CSV's own column.
 */
function observedAtOf(cell: string | undefined, column: string): string | null {
  const text = cell?.trim();
  if (!text) return null;
  const spreadsheet = SPREADSHEET_DATE_TIME.exec(text);
  const observedAt = spreadsheet ? `${spreadsheet[1]}T${spreadsheet[2]}` : text;
  const impossible = calendarProblem(observedAt);
  if (impossible) throw new Error(`column "${column}": "${text.slice(0, 40)}" is not a real date and time (${impossible})`);
  if (!/^\d{4}-\d{2}-\d{2}/.test(observedAt) || Number.isNaN(Date.parse(observedAt))) {
    throw new Error(`column "${column}": "${text.slice(0, 40)}" is not a date and time; write 2026-03-01T10:00:00+02:00, or 2026-03-01 10:00 as spreadsheets do`);
  }
  return observedAt;
}

function rowToRecord(header: string[], fields: string[], roles: Map<number, string>, cells: string[], media?: Map<string, AttachmentFile>): SightingRecord {
  const known: Record<string, string> = {};
  let observedAtColumn = 'dateTime';
  const data: Record<string, unknown> = {};
  const attachmentFiles: AttachmentFile[] = [];
  cells.forEach((cell, column) => {
    const role = roles.get(column);
    if (role === 'observedAt') observedAtColumn = header[column]!;
    if (role) known[role] = cell;
    else if (media?.has(cell.trim())) {
      attachmentFiles.push(media.get(cell.trim())!);
      setField(data, fields[column], { attachment: cell.trim() });
    } else if (cell !== '') setField(data, fields[column], cellValue(cell));
  });
  const kind = (known.kind?.trim().toLowerCase() ?? '') as SightingKind;
  return {
    uid: known.id?.trim() || null,
    deviceId: known.deviceId?.trim() || null,
    kind: KINDS.includes(kind) ? kind : 'sighting',
    observedAt: observedAtOf(known.observedAt, observedAtColumn),
    latitude: number(known.latitude, 'latitude'),
    longitude: number(known.longitude, 'longitude'),
    altitude: number(known.altitude, 'altitude'),
    accuracy: number(known.accuracy, 'accuracy'),
    data,
    attachments: [],
    ...(attachmentFiles.length > 0 ? { attachmentFiles } : {}),
    deleted: /^(true|1|yes)$/i.test(known.deleted?.trim() ?? ''),
  };
}

export const csvDecoder: FormatDecoder = {
  name: 'csv',

  detectContent(head) {
    const line = headerLine(head);
    if (!line || line.startsWith('{') || line.startsWith('<')) return false;
    const names = line.split(delimiterOf(line)).map((name) => normalisedHeader(name.replace(/^"|"$/g, '')));
    return COLUMN_NAMES.latitude.some((name) => names.includes(name)) && COLUMN_NAMES.longitude.some((name) => names.includes(name));
  },

  detectFileName(fileName) {
    return /\.csv$/i.test(fileName);
  },

  decode: (bytes) => decodeCsv(bytes),
};
