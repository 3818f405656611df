import { randomUUID } from 'node:crypto';

export interface FeatureSpec {
  id?: string;
  species?: string;
  count?: number;
  latitude?: number;
  longitude?: number;
  dateTime?: string;
  deviceId?: string;
  waypoint?: boolean;
}

/** A CyberTracker-style Point feature; waypoints have no `sighting` object. */
export function feature(spec: FeatureSpec = {}) {
  const latitude = spec.latitude ?? -24.0 - Math.random();
  const longitude = spec.longitude ?? 31.0 + Math.random();
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [longitude, latitude] },
    properties: {
      id: spec.id ?? `{${randomUUID().toUpperCase()}}`,
      deviceId: spec.deviceId ?? 'ct-device-1',
      dateTime: spec.dateTime ?? '2026-03-01T10:00:00+02:00',
      latitude,
      longitude,
      accuracy: 4,
      appName: 'CyberTracker',
      ...(spec.waypoint ? {} : { sighting: { Species: spec.species ?? 'Lion', Count: spec.count ?? 1 } }),
    },
  };
}

export function featureCollection(features: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }));
}
