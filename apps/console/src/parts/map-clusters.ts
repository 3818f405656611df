/**
 * The map's cluster requests. The first one, for the whole world, can start before MapLibre
 * (most of the console's weight) has even loaded: the project page starts it and the map takes
 * it over.
 */
const early = new Map<string, Promise<Response>>();

export function clustersUrl(slug: string, query: URLSearchParams): string {
  return `/api/v1/projects/${slug}/sightings/map?${query}`;
}

/** The query of the first view: the whole world at zoom 1, with the page's filter and colouring. */
export function worldQuery(filterText: string, colourBy: string): URLSearchParams {
  const query = new URLSearchParams(filterText);
  query.set('zoom', '1');
  query.set('colourBy', colourBy);
  return query;
}

export function startEarly(url: string): void {
  if (!early.has(url)) early.set(url, fetch(url, { credentials: 'same-origin' }));
}

/** The early answer for this URL if one was started (once), else a new request. */
export function requestClusters(url: string, signal: AbortSignal): Promise<Response> {
  const started = early.get(url);
  early.delete(url);
  return started ?? fetch(url, { signal, credentials: 'same-origin' });
}
