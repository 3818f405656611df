import { describe, expect, it } from 'vitest';
import { csvField, SERIALIZERS, SightingView } from './sighting-formats.js';

const view: SightingView = {
  id: 'a',
  deviceId: 'd',
  deviceName: 'Ranger 7',
  deviceLogin: 'kruger-1a2b',
  kind: 'sighting',
  observedAt: '2026-01-01T00:00:00+02:00',
  latitude: -1,
  longitude: 2,
  altitude: null,
  accuracy: null,
  data: { note: 'big, "cat"' },
  attachments: [],
  deleted: false,
  revision: 1,
  seq: 7,
  batchId: 'b',
  reviewState: 'received',
};

describe('download formats', () => {
  it('quotes CSV fields and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(null)).toBe('');
  });

  it('frames JSON and GeoJSON as valid documents', () => {
    for (const format of ['json', 'geojson'] as const) {
      const serializer = SERIALIZERS[format];
      const text = serializer.start(7) + serializer.row(view, true) + serializer.row(view, false) + serializer.end(7);
      const parsed = JSON.parse(text);
      expect(parsed.next).toBe('7');
      expect((parsed.sightings ?? parsed.features).length).toBe(2);
    }
    const feature = JSON.parse(SERIALIZERS.geojson.start(0) + SERIALIZERS.geojson.row(view, true) + SERIALIZERS.geojson.end(0)).features[0];
    expect(feature.geometry.coordinates).toEqual([2, -1]);
  });
});
