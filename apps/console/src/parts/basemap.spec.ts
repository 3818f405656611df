import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { antimeridianJumps, basemapOf } from './basemap';

const countries = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('world-atlas/countries-110m.json'), 'utf8'));

describe('the offline basemap', () => {
  it('draws no ring across the whole world: outlines cut at the 180th meridian stay in place (Fiji, Chukotka)', () => {
    const { land } = basemapOf(countries);
    const across: string[] = [];
    for (const country of land.features) {
      const geometry = country.geometry as GeoJSON.Polygon | GeoJSON.MultiPolygon;
      const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
      // Only a ring round a pole may cross (once): Antarctica's.
      for (const rings of polygons) for (const ring of rings) if (antimeridianJumps(ring) > 0 && antimeridianJumps(ring) % 2 === 0) across.push(String(country.properties?.name));
    }
    expect(across).toEqual([]);
    const fiji = land.features.find((country) => country.properties?.name === 'Fiji')!.geometry as GeoJSON.MultiPolygon;
    const longitudes = fiji.coordinates.flat(2).map(([longitude]) => longitude!);
    expect(Math.min(...longitudes)).toBeGreaterThan(176);
    expect(Math.max(...longitudes)).toBeLessThan(182);
  });
});
