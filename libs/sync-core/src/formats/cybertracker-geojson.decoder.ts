import { SightingKind } from '../db/entities/index.js';
import { extractBase64Attachments } from './attachment-sniff.js';
import { DecodedItem, FormatDecoder, headText, SightingRecord, UnreadableFileError } from './format.js';
import { JsonListScanner, ScannedPart } from './json-list-scanner.js';

const KINDS: readonly SightingKind[] = ['sighting', 'waypoint', 'alert'];

/** Some CyberTracker builds end the body with NUL bytes; they are held back and dropped at the end. */
async function* withoutTrailingNuls(bytes: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let heldNuls = 0;
  for await (const chunk of bytes) {
    let end = chunk.length;
    while (end > 0 && chunk[end - 1] === 0) end--;
    if (end === 0) {
      heldNuls += chunk.length;
      continue;
    }
    if (heldNuls > 0) yield Buffer.alloc(heldNuls);
    heldNuls = chunk.length - end;
    yield chunk.subarray(0, end);
  }
}

function optionalNumber(value: unknown, name: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) throw new Error(`${name} is not a number: ${JSON.stringify(value).slice(0, 40)}`);
  return number;
}

export function optionalString(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return String(value);
}

/** The kind a feature says it is, or else: with a `sighting` object a sighting, without one a waypoint. */
function declaredKind(properties: Record<string, unknown>, hasSighting: boolean): SightingKind {
  return KINDS.includes(properties.kind as SightingKind) ? (properties.kind as SightingKind) : hasSighting ? 'sighting' : 'waypoint';
}

const ALERT_PROPERTIES = ['typeUuid', 'caUuid', 'level', 'description', 'patrolId'];

/**
 * CyberTracker's SMART alerts (and its position "pings") carry the alert's type, conservation
 * area and level as feature properties (ctmobile cpp/SMART/SMARTProvider.cpp, `extraProps`):
 * such a feature is an alert, with those properties kept.
 */
function alertOf(properties: Record<string, unknown>): Record<string, unknown> | null {
  if (properties.typeUuid === undefined && properties.caUuid === undefined) return null;
  return Object.fromEntries(ALERT_PROPERTIES.filter((name) => properties[name] !== undefined).map((name) => [name, properties[name]]));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps one GeoJSON Feature to a record; throws with the reason when it cannot. */
export function featureToRecord(feature: unknown, kindOf: (properties: Record<string, unknown>, hasSighting: boolean) => SightingKind = declaredKind): SightingRecord {
  if (!isObject(feature)) throw new Error('feature is not an object');
  const properties = feature.properties;
  if (!isObject(properties)) throw new Error('feature has no properties object');
  const geometry = isObject(feature.geometry) ? feature.geometry : null;
  const coordinates = geometry && Array.isArray(geometry.coordinates) ? geometry.coordinates : [];
  const sighting = properties.sighting;
  if (sighting !== undefined && sighting !== null && !isObject(sighting)) throw new Error('"sighting" is not an object');
  const { data, files } = extractBase64Attachments(isObject(sighting) ? sighting : {});
  const alert = alertOf(properties);
  if (alert) data.alert = alert;
  const kind = alert ? 'alert' : kindOf(properties, isObject(sighting));
  return {
    uid: optionalString(properties.id),
    deviceId: optionalString(properties.deviceId),
    kind,
    observedAt: optionalString(properties.dateTime),
    latitude: optionalNumber(properties.latitude ?? coordinates[1], 'latitude'),
    longitude: optionalNumber(properties.longitude ?? coordinates[0], 'longitude'),
    altitude: optionalNumber(properties.altitude ?? coordinates[2], 'altitude'),
    accuracy: optionalNumber(properties.accuracy, 'accuracy'),
    data,
    attachments: [],
    ...(files.length > 0 ? { attachmentFiles: files } : {}),
    deleted: properties.deleted === true,
  };
}

/** One feature may be this large (a photo in base64 included); a larger one makes the file unreadable. */
const MAX_FEATURE_BYTES = 128 * 1024 * 1024;

/** Streams a GeoJSON FeatureCollection's features through `toRecord`; shared by the GeoJSON dialects. */
export async function* decodeFeatures(bytes: AsyncIterable<Buffer>, toRecord: (feature: unknown) => SightingRecord): AsyncGenerator<DecodedItem> {
  const scanner = new JsonListScanner('features', MAX_FEATURE_BYTES);
  let index = 0;
  function* items(parts: ScannedPart[]): Generator<DecodedItem> {
    for (const part of parts) {
      if (part.kind === 'not-a-list') throw new UnreadableFileError(`"features" is not a readable list after feature ${index}: ${part.message}`);
      if (part.kind === 'syntax') throw new UnreadableFileError(`the file is not valid JSON after feature ${index}: ${part.message}`);
      let value: unknown;
      try {
        value = JSON.parse(part.text);
      } catch (error) {
        throw new UnreadableFileError(`the file is not valid JSON after feature ${index}: ${(error as Error).message}`);
      }
      if (part.kind === 'other') continue;
      try {
        yield { index, record: toRecord(value) };
      } catch (error) {
        yield { index, reason: (error as Error).message };
      }
      index++;
    }
  }
  for await (const chunk of withoutTrailingNuls(bytes)) yield* items(scanner.push(chunk));
  const ending = scanner.end();
  if (ending) yield* items([ending]);
}

export function looksLikeFeatureCollection(head: Buffer): boolean {
  const text = headText(head);
  return text.startsWith('{') && /"type"\s*:\s*"FeatureCollection"|"features"\s*:/.test(text);
}

/** CyberTracker's HTTP(S) upload: a FeatureCollection of Point features, streamed one feature at a time. */
export const cyberTrackerGeoJsonDecoder: FormatDecoder = {
  name: 'cybertracker-geojson',

  detectContent: looksLikeFeatureCollection,

  detectFileName(fileName) {
    return /\.(geo)?json$/i.test(fileName);
  },

  decode: (bytes) => decodeFeatures(bytes, featureToRecord),
};
