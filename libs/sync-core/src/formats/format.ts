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

/** The first 64 KB of a file as text, without a byte-order mark or leading blanks: what JSON formats are recognised by. */
export function headText(head: Buffer): string {
  return head
    .subarray(0, 64 * 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
}
