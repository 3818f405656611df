import { AttachmentFile, setField } from './format.js';

const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;
const MIN_BASE64_CHARS = 256;

const SIGNATURES: { contentType: string; extension: string; matches(bytes: Buffer): boolean }[] = [
  { contentType: 'image/jpeg', extension: 'jpg', matches: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { contentType: 'image/png', extension: 'png', matches: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { contentType: 'image/gif', extension: 'gif', matches: (b) => b.toString('latin1', 0, 4) === 'GIF8' },
  { contentType: 'audio/wav', extension: 'wav', matches: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WAVE' },
  { contentType: 'audio/mpeg', extension: 'mp3', matches: (b) => b.toString('latin1', 0, 3) === 'ID3' || (b[0] === 0xff && (b[1] & 0xe0) === 0xe0) },
  { contentType: 'audio/ogg', extension: 'ogg', matches: (b) => b.toString('latin1', 0, 4) === 'OggS' },
  { contentType: 'audio/amr', extension: 'amr', matches: (b) => b.toString('latin1', 0, 5) === '#!AMR' },
  { contentType: 'audio/mp4', extension: 'm4a', matches: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
];

/** The media type of a photo or recording, from its first bytes; null when it is not one. */
export function sniffMedia(bytes: Buffer): { contentType: string; extension: string } | null {
  const found = SIGNATURES.find((signature) => bytes.length >= 12 && signature.matches(bytes));
  return found ? { contentType: found.contentType, extension: found.extension } : null;
}

/**
 * A field value that carries a photo or a recording as base64 (CyberTracker GeoJSON does this),
 * plain or as a data: URI, becomes an attachment file; anything else is left alone.
 */
export function base64Attachment(field: string, value: unknown): AttachmentFile | null {
  if (typeof value !== 'string' || value.length < MIN_BASE64_CHARS) return null;
  const dataUri = /^data:([\w.+-]+\/[\w.+-]+);base64,/.exec(value);
  const payload = dataUri ? value.slice(dataUri[0].length) : value;
  if (payload.length > (MAX_ATTACHMENT_BYTES * 4) / 3 + 4 || !/^[A-Za-z0-9+/=\s]+$/.test(payload.slice(0, 4096))) return null;
  const bytes = Buffer.from(payload, 'base64');
  const media = sniffMedia(bytes);
  if (!media) return null;
  const safeField = field.replace(/[^\w.-]+/g, '_').slice(0, 100) || 'attachment';
  return { name: `${safeField}.${media.extension}`, contentType: dataUri?.[1] ?? media.contentType, bytes };
}

/**
 * Moves every base64 photo or recording out of `values` into attachment files, leaving a
 * reference. `values` itself is returned when it holds none (most records): copying every
 * record's fields took as long as mapping the rest of a feature.
 */
export function extractBase64Attachments(values: Record<string, unknown>): { data: Record<string, unknown>; files: AttachmentFile[] } {
  let data: Record<string, unknown> | null = null;
  const files: AttachmentFile[] = [];
  for (const field in values) {
    if (!Object.hasOwn(values, field)) continue;
    const file = base64Attachment(field, values[field]);
    if (!file) continue;
    data ??= { ...values };
    files.push(file);
    setField(data, field, { attachment: file.name });
  }
  return { data: data ?? values, files };
}
