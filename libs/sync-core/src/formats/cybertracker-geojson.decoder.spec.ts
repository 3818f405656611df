import { describe, expect, it } from 'vitest';
import { cyberTrackerGeoJsonDecoder } from './cybertracker-geojson.decoder.js';
import { DecodedItem, UnreadableFileError } from './format.js';
import { detectFormat } from './registry.js';
import { decodeAll } from './decode-all.spec-helper.js';

const feature = (id: string, extra: Record<string, unknown> = {}) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [31.5, -24.1, 300] },
  properties: { id, deviceId: 'dev-1', dateTime: '2026-03-01T10:00:00+02:00', latitude: -24.1, longitude: 31.5, sighting: { species: 'Lion' }, ...extra },
});

describe('CyberTracker GeoJSON decoder', () => {
  it('streams features into records, across arbitrary chunk boundaries', async () => {
    const text = JSON.stringify({ type: 'FeatureCollection', features: [feature('{A}'), feature('b', { sighting: undefined })] });
    const items = await decodeAll(cyberTrackerGeoJsonDecoder, Buffer.from(text), 3);
    expect(items).toHaveLength(2);
    expect(items[0].record).toMatchObject({ uid: '{A}', kind: 'sighting', latitude: -24.1, longitude: 31.5, data: { species: 'Lion' } });
    expect(items[1].record).toMatchObject({ uid: 'b', kind: 'waypoint', altitude: 300 });
  });

  it('reports a bad feature by index and keeps going', async () => {
    const text = JSON.stringify({ type: 'FeatureCollection', features: [feature('a'), 42, feature('c', { latitude: 'north' })] });
    const items = await decodeAll(cyberTrackerGeoJsonDecoder, Buffer.isBuffer(text) ? text : Buffer.from(text), 7);
    expect(items.map((item) => item.reason ?? 'ok')).toEqual(['ok', 'feature is not an object', 'latitude is not a number: "north"']);
  });

  it('keeps a field whatever its name, "__proto__" included', async () => {
    // Written as text: JSON.stringify of a JavaScript object cannot produce a "__proto__" member.
    const text = JSON.stringify({ type: 'FeatureCollection', features: [feature('a')] }).replace('"sighting":{', '"sighting":{"__proto__":"p","constructor":"c",');
    const [item] = await decodeAll(cyberTrackerGeoJsonDecoder, Buffer.from(text), 7);
    expect(JSON.stringify(item.record?.data)).toBe('{"__proto__":"p","constructor":"c","species":"Lion"}');
  });

  it('accepts trailing NUL bytes', async () => {
    const text = Buffer.concat([Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [feature('a')] })), Buffer.alloc(3)]);
    expect(await decodeAll(cyberTrackerGeoJsonDecoder, Buffer.isBuffer(text) ? text : Buffer.from(text), 7)).toHaveLength(1);
  });

  it('keeps the features before a syntax error and then says the file is unreadable', async () => {
    const text = `{"type":"FeatureCollection","features":[${JSON.stringify(feature('a'))},{"type":"Feat`;
    const items: DecodedItem[] = [];
    await expect(
      (async () => {
        for await (const item of cyberTrackerGeoJsonDecoder.decode(
          (async function* () {
            yield Buffer.from(text);
          })(),
        ))
          items.push(item);
      })(),
    ).rejects.toThrow(UnreadableFileError);
    expect(items).toHaveLength(1);
  });

  it('is detected from content before file name', () => {
    expect(detectFormat(Buffer.from(' {"type": "FeatureCollection", "features": []}'), 'upload.bin')?.name).toBe('cybertracker-geojson');
    expect(detectFormat(Buffer.from('hello'), 'notes.txt')).toBeNull();
  });
});
