import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countriesUrl from 'world-atlas/countries-110m.json?url';
import fineCountriesUrl from 'world-atlas/countries-10m.json?url';

type Ring = GeoJSON.Position[];
type Countries = Topology<{ countries: GeometryCollection }>;

/** The zoom from which the map draws Natural Earth's 1:10m outlines instead of 1:110m. */
export const FINE_BASEMAP_ZOOM = 4;

/**
 * Land and borders from Natural Earth, shipped with the console as files of their own and drawn by
 * MapLibre: a map that works on a LAN with no internet. 1:110m (100 KB) for the world; `fine`:
 * 1:10m (3.6 MB, fetched once the map is zoomed in to a country or a park), whose coasts and
 * borders still follow the land at the scale of a park.
 */
export async function offlineBasemap(fine = false): Promise<{ land: GeoJSON.FeatureCollection; borders: GeoJSON.MultiLineString }> {
  return basemapOf((await (await fetch(fine ? fineCountriesUrl : countriesUrl)).json()) as Countries);
}

export function basemapOf(topology: Countries): { land: GeoJSON.FeatureCollection; borders: GeoJSON.MultiLineString } {
  const land = feature(topology, topology.objects.countries) as GeoJSON.FeatureCollection;
  for (const country of land.features) country.geometry = acrossTheAntimeridian(country.geometry);
  const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
  return { land, borders };
}

/** How many times a ring jumps from one side of the 180th meridian to the other. */
export function antimeridianJumps(ring: Ring): number {
  let jumps = 0;
  for (let index = 1; index < ring.length; index++) if (Math.abs(ring[index]![0]! - ring[index - 1]![0]!) > 180) jumps++;
  return jumps;
}

/**
 * Natural Earth cuts the outlines that cross the 180th meridian (Fiji, Chukotka) and jumps from
 * +180 to -180 inside one ring; drawn as it is, such a ring fills a band around the whole world
 * (the band at 17°S was Fiji). Its polygon is drawn on the 0..360 side instead, which MapLibre
 * shows in place. A ring that jumps an odd number of times goes round a pole (Antarctica) and
 * is right as it is.
 */
function acrossTheAntimeridian(geometry: GeoJSON.Geometry): GeoJSON.Geometry {
  const polygon = (rings: Ring[]): Ring[] => {
    const jumps = rings.map(antimeridianJumps);
    if (jumps.every((count) => count === 0) || jumps.some((count) => count % 2 === 1)) return rings;
    return rings.map((ring) => ring.map(([longitude, latitude]) => [longitude! < 0 ? longitude! + 360 : longitude!, latitude!]));
  };
  if (geometry.type === 'Polygon') return { ...geometry, coordinates: polygon(geometry.coordinates) };
  if (geometry.type === 'MultiPolygon') return { ...geometry, coordinates: geometry.coordinates.map(polygon) };
  return geometry;
}
