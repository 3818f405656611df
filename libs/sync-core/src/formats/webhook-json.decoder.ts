import { extractBase64Attachments } from './attachment-sniff.js';
import { isObject, optionalString } from './cybertracker-geojson.decoder.js';
import { DecodedItem, distinctFieldNames, FormatDecoder, headText, setField, SightingRecord, UnreadableFileError } from './format.js';
import { readWhole } from './read-whole.js';

const MAX_WEBHOOK_BYTES = 32 * 1024 * 1024;
const MAX_RECORDS = 100_000;

function coordinate(location: unknown, index: number): number | null {
  if (!Array.isArray(location)) return null;
  const value = location[index];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`location[${index}] is not a number`);
  return value;
}

function recordOf(session: Record<string, unknown>, record: unknown): SightingRecord {
  if (!isObject(record)) throw new Error('record is not an object');
  if (!Array.isArray(record.values)) throw new Error('record has no "values" list');
  const entries = record.values.map((entry: unknown, position) => {
    if (!isObject(entry)) throw new Error(`values[${position}] is not an object`);
    const name = optionalString(entry.name) ?? optionalString(entry.id);
    if (!name) throw new Error(`values[${position}] has neither name nor id`);
    return { name, value: entry.value ?? null };
  });
  const values: Record<string, unknown> = {};
  const names = distinctFieldNames(entries.map((entry) => entry.name));
  entries.forEach((entry, position) => setField(values, names[position], entry.value));
  const { data, files } = extractBase64Attachments(values);
  const location = record.location ?? session.location;
  return {
    uid: optionalString(record.uid) ?? optionalString(record.id),
    deviceId: optionalString(record.deviceId) ?? optionalString(session.deviceId),
    kind: 'sighting',
    observedAt: optionalString(record.dateTime) ?? optionalString(record.timestamp) ?? optionalString(session.dateTime),
    longitude: coordinate(location, 0),
    latitude: coordinate(location, 1),
    altitude: coordinate(location, 2),
    accuracy: coordinate(location, 3),
    data,
    attachments: [],
    ...(files.length > 0 ? { attachmentFiles: files } : {}),
    deleted: record.deleted === true,
  };
}

/**
 * CyberTracker's webhook JSON: one object per session (or a list of them) with `uid`,
 * `deviceId`, `location` [lon, lat, alt, acc] and `records[{uid, values[{id, name, value}]}]`.
 * Field names come from `name`; a record's own location and time win over the session's.
 */
export const webhookJsonDecoder: FormatDecoder = {
  name: 'cybertracker-webhook',

  detectContent(head) {
    const text = headText(head);
    return /^[[{]/.test(text) && /"records"\s*:/.test(text) && /"values"\s*:/.test(text);
  },

  detectFileName: () => false,

  async *decode(bytes): AsyncGenerator<DecodedItem> {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readWhole(bytes, MAX_WEBHOOK_BYTES, 'the webhook body')).toString('utf8').replace(/\u0000+$/, ''));
    } catch (error) {
      throw new UnreadableFileError(error instanceof UnreadableFileError ? error.message : `the webhook body is not valid JSON: ${(error as Error).message}`);
    }
    const sessions = Array.isArray(parsed) ? parsed : [parsed];
    let index = 0;
    for (const session of sessions) {
      if (!isObject(session) || !Array.isArray(session.records)) {
        yield { index: index++, reason: 'session is not an object with a "records" list' };
        continue;
      }
      for (const record of session.records) {
        if (index >= MAX_RECORDS) throw new UnreadableFileError(`more than ${MAX_RECORDS} records in one body`);
        try {
          yield { index, record: recordOf(session, record) };
        } catch (error) {
          yield { index, reason: (error as Error).message };
        }
        index++;
      }
    }
  },
};
