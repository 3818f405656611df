import { SightingKind } from '../db/entities/index.js';
import { decodeFeatures, featureToRecord, isObject, looksLikeFeatureCollection } from './cybertracker-geojson.decoder.js';
import { FormatDecoder } from './format.js';

/** SMART observation types that are not wildlife observations. */
const WAYPOINT_TYPES = /waypoint|track|position|patrol|start|stop|pause|resume/i;
const ALERT_TYPES = /alert|incident|sos|emergency/i;

function smartKind(properties: Record<string, unknown>): SightingKind {
  const sighting = isObject(properties.sighting) ? properties.sighting : {};
  const type = String(sighting.SMART_ObservationType ?? properties.SMART_ObservationType ?? '');
  if (ALERT_TYPES.test(type)) return 'alert';
  if (WAYPOINT_TYPES.test(type)) return 'waypoint';
  return isObject(properties.sighting) ? 'sighting' : 'waypoint';
}

/**
 * CyberTracker sending to SMART Connect: the same GeoJSON shape, with SMART's observation type,
 * categories and attributes as keys inside `sighting` (kept as they are in `data`). The
 * observation type decides the kind: patrol and track points are waypoints, incidents alerts.
 */
export const smartGeoJsonDecoder: FormatDecoder = {
  name: 'smart-geojson',

  detectContent(head) {
    return looksLikeFeatureCollection(head) && /"SMART_[A-Za-z]+"\s*:/.test(head.subarray(0, 64 * 1024).toString('utf8'));
  },

  detectFileName: () => false,

  decode: (bytes) => decodeFeatures(bytes, (feature) => featureToRecord(feature, smartKind)),
};
