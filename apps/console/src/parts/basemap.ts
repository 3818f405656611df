import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countriesUrl from 'world-atlas/countries-110m.json?url';

/**
 * Land and borders from Natural Earth (1:50m, via world-atlas), shipped with the console as a
 * file of its own and drawn by MapLibre: a map that works on a LAN with no internet.
 */
export async function offlineBasemap(): Promise<{ land: GeoJSON.FeatureCollection; borders: GeoJSON.MultiLineString }> {
  const topology = (await (await fetch(countriesUrl)).json()) as Topology<{ countries: GeometryCollection }>;
  const land = feature(topology, topology.objects.countries) as GeoJSON.FeatureCollection;
  const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
  return { land, borders };
}
