import { hash } from 'node:crypto';
import { SightingRecord } from '../formats/format.js';

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/** An object's keys in sorted order, each with its JSON name: records of one file share a few shapes. */
const keyOrders = new Map<string, [string, string][]>();
const MAX_KEY_ORDERS = 1000;
/** The shapes met last, with their keys as Object.keys lists them: compared before the map is asked. */
const recentShapes: { keys: string[]; order: [string, string][] }[] = [];
const RECENT_SHAPES = 8;

const sameKeys = (a: string[], b: string[]) => {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
};

function sortedKeys(value: object): [string, string][] {
  const keys = Object.keys(value);
  // Comparing the keys with a recent shape's costs less than joining them into the map's key.
  for (let index = 0; index < recentShapes.length; index++) if (sameKeys(recentShapes[index].keys, keys)) return recentShapes[index].order;
  const shape = keys.join('\u0000');
  let order = keyOrders.get(shape);
  // Keys holding NUL can join to another shape's text: the order found must name exactly these keys.
  if (!order || order.length !== keys.length || !order.every(([key]) => Object.hasOwn(value, key))) {
    order = [...keys].sort().map((key): [string, string] => [key, `${JSON.stringify(key)}:`]);
    if (keyOrders.size < MAX_KEY_ORDERS) keyOrders.set(shape, order);
  }
  recentShapes.unshift({ keys, order });
  if (recentShapes.length > RECENT_SHAPES) recentShapes.pop();
  return order;
}

/**
 * Serialises with sorted keys, so equal content always hashes the same. The text must never change
 * (stored hashes compare against it): sighting-identity.spec.ts pins it. Loops rather than
 * map/join, and each shape's key order is sorted once: this runs for every record of every upload.
 */
function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // As JSON.stringify writes numbers: NaN and the infinities as null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(value ?? null);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index++) text += (index === 0 ? '' : ',') + canonicalJson(value[index]);
    return `${text}]`;
  }
  return canonicalObject(value);
}

/** An object's canonical JSON, without its member `omit` (at this level only). */
function canonicalObject(value: object, omit?: string): string {
  const order = sortedKeys(value);
  let text = '{';
  for (let index = 0; index < order.length; index++) {
    const [key, name] = order[index];
    if (key !== omit) text += (text.length === 1 ? '' : ',') + name + canonicalJson((value as Record<string, unknown>)[key]);
  }
  return `${text}}`;
}

function sha256(text: string): string {
  return hash('sha256', text);
}

/** GUIDs in any spelling ({ABC-…}, abc-…) are one identity: lowercase, without braces. */
export function normalizeUid(raw: string): string {
  const trimmed = raw.trim();
  const guid = GUID.exec(trimmed);
  return guid ? guid[1].toLowerCase() : trimmed;
}

/** What makes two versions of a sighting differ; the uid itself is not part of it. */
export function contentHash(record: SightingRecord): string {
  return sha256(canonicalObject(record, 'uid'));
}

/** True when a value names an attachment ({ attachment: name }) anywhere inside. */
function linksAttachments(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(linksAttachments);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'attachment' && typeof (value as { attachment: unknown }).attachment === 'string') return true;
  return keys.some((key) => linksAttachments((value as Record<string, unknown>)[key]));
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
 * `recordContentHash` is that hash when the record has no attachments to take out (most records).
 */
export function dataHash(record: SightingRecord, recordContentHash?: string): string {
  if (recordContentHash !== undefined && record.attachments.length === 0 && !linksAttachments(record.data)) return recordContentHash;
  return contentHash({ ...record, data: withoutAttachmentLinks(record.data) as Record<string, unknown>, attachments: [] });
}

/** A record's identity: its own id, or else a hash of device, time and content (stable across resends). */
export function sightingUid(record: SightingRecord, recordContentHash: string): string {
  if (record.uid) return normalizeUid(record.uid);
  return `sha256:${sha256(`${record.deviceId ?? ''}\n${record.observedAt ?? ''}\n${recordContentHash}`)}`.slice(0, 128);
}
