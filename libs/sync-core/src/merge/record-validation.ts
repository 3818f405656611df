import { SightingRecord } from '../formats/format.js';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MAX_DATA_JSON_CHARS = 1024 * 1024;
const MAX_UID_CHARS = 128;

/** The reason a decoded record cannot be stored, or null when it can. */
export function invalidReason(record: SightingRecord): string | null {
  if (record.uid !== null && (record.uid.trim() === '' || record.uid.length > MAX_UID_CHARS)) return `id must be 1-${MAX_UID_CHARS} characters`;
  if ((record.latitude === null) !== (record.longitude === null)) return 'latitude and longitude must be given together';
  if (record.latitude !== null && (record.latitude < -90 || record.latitude > 90)) return `latitude ${record.latitude} is outside -90..90`;
  if (record.longitude !== null && (record.longitude < -180 || record.longitude > 180)) return `longitude ${record.longitude} is outside -180..180`;
  if (record.accuracy !== null && record.accuracy < 0) return `accuracy ${record.accuracy} is negative`;
  if (record.observedAt !== null && (!ISO_DATE_TIME.test(record.observedAt) || Number.isNaN(Date.parse(record.observedAt)))) {
    return `dateTime "${record.observedAt.slice(0, 40)}" is not an ISO-8601 date and time`;
  }
  if (record.deviceId !== null && record.deviceId.length > 128) return 'deviceId is longer than 128 characters';
  if (JSON.stringify(record.data).length > MAX_DATA_JSON_CHARS) return `the record's values exceed ${MAX_DATA_JSON_CHARS} characters`;
  return null;
}
