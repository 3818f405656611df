import { SightingRecord } from '../format.js';
import { guidAt } from './sightings-dat.js';
import { oleDateToIso } from './ole-date.js';

export const WAYPOINT_RECORD_BYTES = 85;
const MAGIC = 0x57415932; // "WAY2" read as a little-endian u32 (bytes "2YAW")

export type WaypointItem = { record: SightingRecord } | { reason: string };

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * Reads Waypoints.dat: fixed 85-byte records of WAY2, id, device id, two OLE dates (the first is
 * when the point was taken), latitude, longitude, altitude, accuracy and a deleted flag.
 */
export function* readWaypointsDat(bytes: Buffer): Generator<WaypointItem> {
  const whole = Math.floor(bytes.length / WAYPOINT_RECORD_BYTES);
  for (let recordNumber = 0; recordNumber < whole; recordNumber++) {
    const offset = recordNumber * WAYPOINT_RECORD_BYTES;
    if (bytes.readUInt32LE(offset) !== MAGIC) {
      yield { reason: `Waypoints.dat record ${recordNumber} (byte ${offset}): no WAY2 magic` };
      continue;
    }
    yield {
      record: {
        uid: guidAt(bytes, offset + 4),
        deviceId: guidAt(bytes, offset + 20),
        kind: 'waypoint',
        observedAt: oleDateToIso(bytes.readDoubleLE(offset + 36)),
        latitude: finiteOrNull(bytes.readDoubleLE(offset + 52)),
        longitude: finiteOrNull(bytes.readDoubleLE(offset + 60)),
        altitude: finiteOrNull(bytes.readDoubleLE(offset + 68)),
        accuracy: finiteOrNull(bytes.readDoubleLE(offset + 76)),
        data: {},
        attachments: [],
        deleted: bytes[offset + 84] !== 0,
      },
    };
  }
  if (bytes.length % WAYPOINT_RECORD_BYTES !== 0) {
    yield { reason: `Waypoints.dat record ${whole}: the file ends ${bytes.length % WAYPOINT_RECORD_BYTES} bytes into a record (cut off)` };
  }
}
