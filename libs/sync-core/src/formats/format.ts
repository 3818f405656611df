import { AttachmentRef, SightingKind } from '../db/entities/index.js';

/** One record as a decoder read it, before validation and identity. */
export interface SightingRecord {
  /** The source's own identifier (GUID, instanceID, id); absent when the source has none. */
  uid: string | null;
  deviceId: string | null;
  kind: SightingKind;
  observedAt: string | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  accuracy: number | null;
  data: Record<string, unknown>;
  attachments: AttachmentRef[];
  /** Photos and sounds read from the file; the merge stores them and lists them in `attachments`. */
  attachmentFiles?: AttachmentFile[];
  deleted: boolean;
}

export interface AttachmentFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}

/** Each record in a file comes out as either a record or a reason it could not be read. */
export type DecodedRecord = { index: number; record: SightingRecord; reason?: undefined };
export type DecodedItem = DecodedRecord | { index: number; reason: string; record?: undefined };

/** The file as a whole cannot be read (further); records yielded before it still count. */
export class UnreadableFileError extends Error {}

export interface FormatDecoder {
  /** The name stored on the batch. */
  readonly name: string;
  /** Whether the first bytes of a file are this format's. */
  detectContent(head: Buffer): boolean;
  /** A fallback when no content check matched. */
  detectFileName(fileName: string): boolean;
  /** Streams the records; throws UnreadableFileError when the rest of the file cannot be read. */
  decode(bytes: AsyncIterable<Buffer>): AsyncIterable<DecodedItem>;
}

/**
 * Sets a field of a record's data by the name the file gives it. A plain assignment to
 * "__proto__" would set the object's prototype and silently drop the field.
 */
export function setField(data: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(data, name, { value, writable: true, enumerable: true, configurable: true });
  else data[name] = value;
}

/**
 * The names of a record's fields, every one distinct: where two fields share a name, a plain
 * object would keep only the last. The first keeps the name; a second "Notes" becomes "Notes (2)",
 * a second field without a name is named by its position ("column 7").
 */
export function distinctFieldNames(names: string[]): string[] {
  const given = new Set(names);
  const used = new Set<string>();
  return names.map((name, position) => {
    const base = name === '' ? `column ${position + 1}` : name;
    let field = name;
    for (let copy = 2; used.has(field) || (field !== name && given.has(field)); copy++) field = name === '' && copy === 2 ? base : `${base} (${copy})`;
    used.add(field);
    return field;
  });
}

/** The first 64 KB of a file as text, without a byte-order mark or leading blanks: what JSON formats are recognised by. */
export function headText(head: Buffer): string {
  return head
    .subarray(0, 64 * 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
}
