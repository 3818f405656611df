import { useEffect, useRef, useState } from 'react';
import maplibregl from 'maplibre-gl';
import type { GeoJSONSource, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { api } from '../api';
import { FINE_BASEMAP_ZOOM, offlineBasemap } from '../parts/basemap';
import { clustersUrl, requestClusters, worldQuery } from '../parts/map-clusters';
import { FilterBar, filterOf } from '../parts/filters';
import { Problem } from '../parts/bits';
import { useLoad } from '../parts/load';
import { go, href } from '../router';
import type { ProjectProps } from '../parts/roles';

interface Clusters extends GeoJSON.FeatureCollection<GeoJSON.Point, { count: number; colour: string | null; uid: string }> {
  total: number;
  truncated: boolean;
}

interface Settings {
  mapTiles: { url: string; attribution: string } | null;
}

const PALETTE = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#1f78b4', '#b2df8a', '#fb9a99'];
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

function style(settings: Settings): StyleSpecification {
  return {
    version: 8,
    sources: {
      land: { type: 'geojson', data: EMPTY },
      borders: { type: 'geojson', data: EMPTY },
      fineLand: { type: 'geojson', data: EMPTY },
      fineBorders: { type: 'geojson', data: EMPTY },
      ...(settings.mapTiles ? { tiles: { type: 'raster' as const, tiles: [settings.mapTiles.url], tileSize: 256, attribution: settings.mapTiles.attribution } } : {}),
      sightings: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': '#cfe3ef' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#f3efe4' } },
      { id: 'borders', type: 'line', source: 'borders', paint: { 'line-color': '#9a8f7a', 'line-width': 0.6 } },
      { id: 'fine-land', type: 'fill', source: 'fineLand', minzoom: FINE_BASEMAP_ZOOM, paint: { 'fill-color': '#f3efe4' } },
      { id: 'fine-borders', type: 'line', source: 'fineBorders', minzoom: FINE_BASEMAP_ZOOM, paint: { 'line-color': '#9a8f7a', 'line-width': 0.8 } },
      ...(settings.mapTiles ? [{ id: 'tiles', type: 'raster' as const, source: 'tiles' }] : []),
      {
        id: 'sightings',
        type: 'circle',
        source: 'sightings',
        paint: {
          'circle-color': ['get', 'fill'],
          'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 6, 10, 14, 100, 30],
          'circle-opacity': 0.85,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      },
    ],
  };
}

/** The extent [west, south, east, north] of a set of clusters. */
function extentOf(features: Clusters['features']): [number, number, number, number] {
  const boxes = features.map((cluster) => cluster.bbox as [number, number, number, number]);
  return [Math.min(...boxes.map((box) => box[0])), Math.min(...boxes.map((box) => box[1])), Math.max(...boxes.map((box) => box[2])), Math.max(...boxes.map((box) => box[3]))];
}

/**
 * The project's sightings on a map, with the table's filters. The server groups them into at
 * most a few thousand clusters for the part of the world in view, so a million sightings draw
 * as smoothly as a hundred.
 */
export function MapPage({ slug, place }: ProjectProps) {
  const filter = filterOf(place.query);
  const filterText = filter.toString();
  const colourBy = place.query.get('colourBy') ?? 'kind';
  const container = useRef<HTMLDivElement>(null);
  const [shown, setShown] = useState<{ total: number; points: number; truncated: boolean } | null>(null);
  const [drawn, setDrawn] = useState<number | null>(null);
  const [legend, setLegend] = useState<[string, string, number][]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [colourField, setColourField] = useState(colourBy);

  const fields = useLoad(() => api<{ fields: { name: string }[] }>(`/api/v1/projects/${slug}/fields`), [slug]);
  const viewKey = `fieldsync.map.${slug}?${filterText}`;

  useEffect(() => {
    let map: MapLibreMap | null = null;
    let stopped = false;
    let pending: AbortController | null = null;
    let timer: number | undefined;
    let clustersShown: Clusters['features'] = [];

    const show = (clusters: Clusters) => {
      const colours = new Map<string, [string, number]>();
      for (const cluster of clusters.features) {
        const key = cluster.properties.colour ?? '(empty)';
        const entry = colours.get(key) ?? [PALETTE[colours.size % PALETTE.length]!, 0];
        entry[1] += cluster.properties.count;
        colours.set(key, entry);
      }
      for (const cluster of clusters.features) (cluster.properties as Record<string, unknown>).fill = colours.get(cluster.properties.colour ?? '(empty)')![0];
      (map?.getSource('sightings') as GeoJSONSource | undefined)?.setData(clusters);
      clustersShown = clusters.features;
      setShown({ total: clusters.total, points: clusters.features.length, truncated: clusters.truncated });
      setLegend([...colours.entries()].map(([value, [colour, count]]) => [value, colour, count]));
      setProblem(null);
    };

    /** The clusters of the part of the world in view. */
    const load = async () => {
      if (!map) return;
      pending?.abort();
      pending = new AbortController();
      const query = worldQuery(filterText, colourBy);
      const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value));
      const bounds = map.getBounds();
      query.set('zoom', String(Math.max(0, Math.floor(map.getZoom()))));
      query.set('west', String(clamp(bounds.getWest(), 180)));
      query.set('east', String(clamp(bounds.getEast(), 180)));
      query.set('south', String(clamp(bounds.getSouth(), 90)));
      query.set('north', String(clamp(bounds.getNorth(), 90)));
      try {
        const response = await requestClusters(clustersUrl(slug, query), pending.signal);
        const clusters = (await response.json()) as Clusters & { message?: string };
        if (!response.ok) throw new Error(clusters.message ?? response.statusText);
        if (!stopped) show(clusters);
      } catch (error) {
        if ((error as Error).name !== 'AbortError') setProblem((error as Error).message);
      }
    };

    void (async () => {
      // The whole world's clusters (asked for by the project page while this code loaded) give
      // the first view: the map opens on the extent of the sightings.
      const [settings, world] = await Promise.all([
        api<Settings>('/api/v1/console/settings').catch(() => ({ mapTiles: null })),
        requestClusters(clustersUrl(slug, worldQuery(filterText, colourBy)), new AbortController().signal)
          .then(async (response) => (response.ok ? ((await response.json()) as Clusters) : null))
          .catch(() => null),
      ]);
      if (stopped || !container.current) return;
      const extent = world && world.features.length > 0 ? extentOf(world.features) : null;
      // Back from another tab with the same filter: the view the person left; else the sightings' extent.
      const remembered = JSON.parse(sessionStorage.getItem(viewKey) ?? 'null') as { center: [number, number]; zoom: number } | null;
      map = new maplibregl.Map({
        container: container.current,
        style: style(settings),
        ...(remembered
          ? { center: remembered.center, zoom: remembered.zoom }
          : extent
            ? { bounds: extent, fitBoundsOptions: { padding: 60, maxZoom: 12 } }
            : { center: [20, 0] as [number, number], zoom: 1 }),
        attributionControl: { compact: false, customAttribution: 'Natural Earth' },
      });
      map.addControl(new maplibregl.NavigationControl(), 'top-right');
      const basemap = offlineBasemap();
      map.on('load', () => {
        // The world's clusters are drawn at once; the view's finer ones replace them when they come
        // (a second grouping of every sighting: about half a second at a million).
        if (world) show(world);
        void load();
        void basemap.then(({ land, borders }) => {
          (map?.getSource('land') as GeoJSONSource | undefined)?.setData(land);
          (map?.getSource('borders') as GeoJSONSource | undefined)?.setData(borders);
        });
      });
      const noteView = () => {
        if (!map || !container.current) return;
        const bounds = map.getBounds();
        container.current.dataset.view = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((value) => value.toFixed(5)).join(',');
        sessionStorage.setItem(viewKey, JSON.stringify({ center: map.getCenter().toArray(), zoom: map.getZoom() }));
      };
      map.on('load', noteView);
      // The fine outlines are fetched the first time the map shows a country or a park.
      let fine: Promise<void> | null = null;
      const fineWhenZoomedIn = () => {
        if (fine || !map || map.getZoom() < FINE_BASEMAP_ZOOM - 0.5) return;
        fine = offlineBasemap(true).then(
          ({ land, borders }) => {
            if (!map) return;
            (map.getSource('fineLand') as GeoJSONSource | undefined)?.setData(land);
            (map.getSource('fineBorders') as GeoJSONSource | undefined)?.setData(borders);
            // The coarse outlines stay until the fine ones are there; then only for the world.
            for (const layer of ['land', 'borders']) map.setLayerZoomRange(layer, 0, FINE_BASEMAP_ZOOM);
            // Said once they are drawn (a 1:10m outline is tiled in MapLibre's worker first).
            void map.once('idle', () => container.current && (container.current.dataset.basemap = 'fine'));
          },
          // Tried again at the next move.
          () => void (fine = null),
        );
      };
      map.on('load', fineWhenZoomedIn);
      map.on('moveend', () => {
        fineWhenZoomedIn();
        noteView();
        window.clearTimeout(timer);
        timer = window.setTimeout(() => void load(), 150);
      });
      // What is on the canvas: counted once the clusters are drawn (the basemap may still be
      // coming), and again when the map is idle.
      const countDrawn = () => {
        // A point near a tile edge is reported once per tile it touches: count each cluster once.
        const drawnClusters = new Map<string, number>();
        for (const feature of map?.queryRenderedFeatures({ layers: ['sightings'] }) ?? []) {
          drawnClusters.set(`${feature.properties.uid}|${feature.properties.colour}`, Number(feature.properties.count));
        }
        setDrawn([...drawnClusters.values()].reduce((sum, count) => sum + count, 0));
      };
      map.on('sourcedata', (event) => {
        if (event.sourceId === 'sightings' && event.isSourceLoaded) void map?.once('render', countDrawn);
      });
      map.on('idle', countDrawn);
      map.on('mouseenter', 'sightings', () => map && (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', 'sightings', () => map && (map.getCanvas().style.cursor = ''));
      map.on('click', 'sightings', (event) => {
        const feature = event.features?.[0];
        if (!feature || !map) return;
        const { count, uid, colour } = feature.properties as { count: number; uid: string; colour: string | null };
        // MapLibre hands back a feature's bbox only through the data it was given: look it up there.
        const source = clustersShown.find((cluster) => cluster.properties.uid === uid && cluster.properties.colour === colour);
        const body = document.createElement('div');
        const title = document.createElement('p');
        title.textContent = count === 1 ? `${colour ?? ''}` : `${count} sightings here (${colour ?? 'no value'})`;
        body.append(title);
        if (count === 1) {
          const link = document.createElement('a');
          link.href = href(`/projects/${slug}/sightings/${encodeURIComponent(uid)}`);
          link.textContent = 'Open this sighting';
          body.append(link);
        } else {
          const zoom = document.createElement('button');
          zoom.type = 'button';
          zoom.textContent = 'Zoom in';
          const at = (feature.geometry as GeoJSON.Point).coordinates as [number, number];
          zoom.onclick = () => (source?.bbox ? map?.fitBounds(source.bbox as [number, number, number, number], { padding: 40 }) : map?.easeTo({ center: at, zoom: map.getZoom() + 3 }));
          body.append(zoom);
        }
        new maplibregl.Popup()
          .setLngLat((feature.geometry as GeoJSON.Point).coordinates as [number, number])
          .setDOMContent(body)
          .addTo(map);
      });
    })();
    return () => {
      stopped = true;
      pending?.abort();
      window.clearTimeout(timer);
      map?.remove();
    };
  }, [slug, filterText, colourBy]);

  return (
    <>
      <h1>Map</h1>
      <FilterBar query={place.query} onApply={(next) => go(`/projects/${slug}/map`, colourBy === 'kind' ? next : new URLSearchParams([...next, ['colourBy', colourBy]]))} />
      <form
        className="inline"
        aria-label="Colour"
        onSubmit={(event) => {
          event.preventDefault();
          const query = new URLSearchParams(filter);
          if (colourField && colourField !== 'kind') query.set('colourBy', colourField);
          go(`/projects/${slug}/map`, query);
        }}
      >
        <label>
          Colour by
          <select value={colourField} onChange={(event) => setColourField(event.target.value)}>
            <option value="kind">kind</option>
            {[...new Set([...(fields.data?.fields ?? []).map((field) => field.name), ...(colourField !== 'kind' ? [colourField] : [])])].map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Colour</button>
      </form>
      <Problem text={problem} />
      <p role="status" className="muted" data-total={shown?.total ?? ''} data-drawn={drawn ?? ''}>
        {shown
          ? `${shown.total.toLocaleString()} sightings in view, drawn as ${shown.points.toLocaleString()} points${shown.truncated ? ' (the largest groups only: zoom in for the rest)' : ''}.`
          : 'Loading the map…'}
      </p>
      <div className="map-wrap">
        <div ref={container} className="map" role="region" aria-label="Map of sightings" />
        <ul className="legend" aria-label="Legend">
          {legend.map(([value, colour, count]) => (
            <li key={value}>
              <span className="swatch" style={{ background: colour }} aria-hidden="true" /> {value}: {count.toLocaleString()}
            </li>
          ))}
        </ul>
      </div>
      <p>
        <a href={href(`/projects/${slug}/sightings`, filter)}>The same sightings as a table</a>
      </p>
    </>
  );
}
