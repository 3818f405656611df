import { AttachmentRef } from '../db/entities/index.js';
import { isObject, optionalString } from './cybertracker-geojson.decoder.js';
import { DecodedItem, FormatDecoder, headText, SightingRecord, UnreadableFileError } from './format.js';
import { readWhole } from './read-whole.js';

const MAX_EVENT_BYTES = 16 * 1024 * 1024;
export const EARTHRANGER_ENVELOPE_MARK = '{"earthranger":1,';

/**
 * What the EarthRanger door stores for one event: the event as the device posted it (or last
 * patched it), the id it was answered with, and the photos and notes posted to it since.
 */
export interface EarthRangerEnvelope {
  earthranger: 1;
  id: string;
  event: Record<string, unknown>;
  files: AttachmentRef[];
  notes: string[];
}

function coordinate(location: Record<string, unknown>, name: 'latitude' | 'longitude'): number | null {
  const value = location[name];
  if (value === undefined || value === null || value === '') return null;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new Error(`location.${name} is not a number`);
  return number;
}

/**
 * An EarthRanger event as CyberTracker's EarthRanger connector builds it
 * (ctmobile cpp/EarthRanger/EarthRangerProvider.cpp): `event_type`, `event_details` (field
 * values, lists for repeated records), `time`, `location {latitude, longitude}`, `reported_by`.
 */
export function eventToRecord(event: Record<string, unknown>, id: string | null, files: AttachmentRef[] = [], notes: string[] = []): SightingRecord {
  const eventType = optionalString(event.event_type);
  if (!eventType) throw new Error('the event has no event_type');
  const location = isObject(event.location) ? event.location : {};
  const reportedBy = isObject(event.reported_by) ? event.reported_by : null;
  const data: Record<string, unknown> = { event_type: eventType, event_details: isObject(event.event_details) ? event.event_details : {} };
  for (const key of ['title', 'priority', 'state', 'reported_by']) if (event[key] !== undefined) data[key] = event[key];
  if (notes.length > 0) data.notes = notes;
  return {
    uid: id ?? optionalString(event.id),
    deviceId: optionalString(reportedBy?.id) ?? optionalString(reportedBy?.username) ?? optionalString(reportedBy?.name),
    kind: 'sighting',
    observedAt: optionalString(event.time),
    latitude: coordinate(location, 'latitude'),
    longitude: coordinate(location, 'longitude'),
    altitude: null,
    accuracy: null,
    data,
    attachments: [...files].sort((a, b) => a.name.localeCompare(b.name)),
    deleted: false,
  };
}

/** EarthRanger events: the envelope the EarthRanger door stores, or a bare event (or list of events) sent to /upload. */
export const earthRangerEventDecoder: FormatDecoder = {
  name: 'earthranger-event',

  detectContent(head) {
    const text = headText(head);
    return text.startsWith(EARTHRANGER_ENVELOPE_MARK) || (/^[[{]/.test(text) && /"event_type"\s*:/.test(text) && !/"type"\s*:\s*"FeatureCollection"/.test(text));
  },

  detectFileName: () => false,

  async *decode(bytes): AsyncGenerator<DecodedItem> {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readWhole(bytes, MAX_EVENT_BYTES, 'the event')).toString('utf8'));
    } catch (error) {
      throw new UnreadableFileError(error instanceof UnreadableFileError ? error.message : `the event is not valid JSON: ${(error as Error).message}`);
    }
    if (isObject(parsed) && parsed.earthranger === 1) {
      const envelope = parsed as unknown as EarthRangerEnvelope;
      try {
        yield { index: 0, record: eventToRecord(envelope.event, envelope.id, envelope.files, envelope.notes) };
      } catch (error) {
        yield { index: 0, reason: (error as Error).message };
      }
      return;
    }
    const events = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.data) ? parsed.data : [parsed];
    for (const [index, event] of events.entries()) {
      try {
        if (!isObject(event)) throw new Error('the event is not an object');
        yield { index, record: eventToRecord(event, null) };
      } catch (error) {
        yield { index, reason: (error as Error).message };
      }
    }
  },
};
