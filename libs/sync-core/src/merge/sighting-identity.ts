import { createHash } from 'node:crypto';
import { SightingRecord } from '../formats/format.js';

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/** Serialises with sorted keys, so equal content always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** GUIDs in any spelling ({ABC-…}, abc-…) are one identity: lowercase, without braces. */
export function normalizeUid(raw: string): string {
  const trimmed = raw.trim();
  const guid = GUID.exec(trimmed);
  return guid ? guid[1].toLowerCase() : trimmed;
}

/** What makes two versions of a sighting differ; the uid itself is not part of it. */
export function contentHash(record: SightingRecord): string {
  const { uid: _uid, ...content } = record;
  return sha256(canonicalJson(content));
}

/** A value that names an attachment ({ attachment: name }) counts as the name, received yet or not. */
function withoutAttachmentLinks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAttachmentLinks);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && entries[0][0] === 'attachment' && typeof entries[0][1] === 'string') return entries[0][1];
    return Object.fromEntries(entries.map(([key, item]) => [key, withoutAttachmentLinks(item)]));
  }
  return value;
}

/**
 * The content hash of the record without its attachments: two versions that differ only in
 * which files have arrived (an OpenRosa submission split over several POSTs) have the same.
 */
export function dataHash(record: SightingRecord): string {
  return contentHash({ ...record, data: withoutAttachmentLinks(record.data) as Record<string, unknown>, attachments: [] });
}

/** A record's identity: its own id, or else a hash of device, time and content (stable across resends). */
export function sightingUid(record: SightingRecord, recordContentHash: string): string {
  if (record.uid) return normalizeUid(record.uid);
  return `sha256:${sha256(`${record.deviceId ?? ''}\n${record.observedAt ?? ''}\n${recordContentHash}`)}`.slice(0, 128);
}
