import { SightingRecord } from '../formats/format.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MAX_DATA_JSON_CHARS = 1024 * 1024;
const MAX_UID_CHARS = 128;
/** Deeper values would overflow the stack of JSON.stringify and of the content hash. */
export const MAX_DATA_DEPTH = 32;

/**
 * True when `value` nests objects or arrays deeper than `limit`. It goes no deeper than the limit,
 * so any depth is safe to check; it allocates nothing, as it runs for every record.
 */
export function nestsDeeperThan(value: unknown, limit: number, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= limit) return true;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) if (nestsDeeperThan(value[index], limit, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (Object.hasOwn(value, key) && nestsDeeperThan((value as Record<string, unknown>)[key], limit, depth + 1)) return true;
  return false;
}

/**
 * Text from a file made safe to store and show: NUL (which PostgreSQL's text types refuse) and the
 * other control characters become visible escapes, so a reason quoting bad input can be saved.
 */
export function storableText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const hasNul = (text: string | null) => text !== null && text.includes('\u0000');

const DATE_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Why a date and time that has the right shape names no moment of the calendar ("2026-02-30",
 * "25:00"), or null: Date.parse rolls such dates over into the next month instead of refusing them.
 */
export function calendarProblem(text: string): string | null {
  const parts = DATE_PARTS.exec(text);
  if (!parts) return null;
  const [year, month, day, hour, minute, second] = parts.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  if (month! < 1 || month! > 12) return `there is no month ${month}`;
  const days = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (day! < 1 || day! > days) return `${MONTHS[month! - 1]} ${year} has ${days} days`;
  if (hour! > 23 || minute! > 59 || second! > 59) return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}${parts[6] ? `:${parts[6]}` : ''} is not a time of day`;
  return null;
}

/** The reason a decoded record cannot be stored, or null when it can. */
export function invalidReason(record: SightingRecord): string | null {
  if (hasNul(record.uid) || hasNul(record.deviceId) || hasNul(record.observedAt) || hasNul(record.kind)) return 'id, deviceId and dateTime must not contain NUL characters';
  if (record.uid !== null && (record.uid.trim() === '' || record.uid.length > MAX_UID_CHARS)) return `id must be 1-${MAX_UID_CHARS} characters`;
  if ((record.latitude === null) !== (record.longitude === null)) return 'latitude and longitude must be given together';
  if (record.latitude !== null && (record.latitude < -90 || record.latitude > 90)) return `latitude ${record.latitude} is outside -90..90`;
  if (record.longitude !== null && (record.longitude < -180 || record.longitude > 180)) return `longitude ${record.longitude} is outside -180..180`;
  if (record.accuracy !== null && record.accuracy < 0) return `accuracy ${record.accuracy} is negative`;
  const impossible = record.observedAt === null ? null : calendarProblem(record.observedAt);
  if (impossible) return `dateTime "${record.observedAt!.slice(0, 40)}" is not a real date and time: ${impossible}`;
  if (record.observedAt !== null && (!ISO_DATE_TIME.test(record.observedAt) || Number.isNaN(Date.parse(record.observedAt)))) {
    return `dateTime "${record.observedAt.slice(0, 40)}" is not an ISO-8601 date and time`;
  }
  if (record.deviceId !== null && record.deviceId.length > 128) return 'deviceId is longer than 128 characters';
  if (nestsDeeperThan(record.data, MAX_DATA_DEPTH)) return `the record's values nest deeper than ${MAX_DATA_DEPTH} levels`;
  if (JSON.stringify(record.data).length > MAX_DATA_JSON_CHARS) return `the record's values exceed ${MAX_DATA_JSON_CHARS} characters`;
  return null;
}
