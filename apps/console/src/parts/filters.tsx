import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { REVIEW_WORDS } from './review';

/** The filter parameters the API takes, the same on the table, the map and the downloads. */
export const FILTER_KEYS = ['kind', 'review', 'device', 'from', 'to', 'q', 'includeDeleted'] as const;

/** Only the filter part of a page's query, to pass on to the API or to another page. */
export function filterOf(query: URLSearchParams): URLSearchParams {
  const filter = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value) filter.set(key, value);
  }
  return filter;
}

/** The filter form: applying it changes the page's address, so the filter survives a reload and follows to the map and the downloads. */
export function FilterBar({ query, onApply }: { query: URLSearchParams; onApply: (filter: URLSearchParams) => void }) {
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTER_KEYS.map((key) => [key, query.get(key) ?? ''])));
  useEffect(() => setDraft(Object.fromEntries(FILTER_KEYS.map((key) => [key, query.get(key) ?? '']))), [query]);
  const set = (key: string, value: string) => setDraft((previous) => ({ ...previous, [key]: value }));
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const filter = new URLSearchParams();
    for (const key of FILTER_KEYS) if (draft[key]) filter.set(key, draft[key]);
    onApply(filter);
  };
  return (
    <form className="filters" onSubmit={apply} aria-label="Filter sightings">
      <label>
        Kind
        <select value={draft.kind} onChange={(event) => set('kind', event.target.value)}>
          <option value="">any</option>
          <option value="sighting">sighting</option>
          <option value="waypoint">waypoint</option>
          <option value="alert">alert</option>
        </select>
      </label>
      <label>
        Review
        <select value={draft.review} onChange={(event) => set('review', event.target.value)}>
          <option value="">any</option>
          {(Object.entries(REVIEW_WORDS) as [string, string][]).map(([state, words]) => (
            <option key={state} value={state}>
              {words}
            </option>
          ))}
        </select>
      </label>
      <label>
        Device id
        <input value={draft.device} onChange={(event) => set('device', event.target.value)} placeholder="as recorded" />
      </label>
      <label>
        Observed from
        <input type="date" value={draft.from} onChange={(event) => set('from', event.target.value)} />
      </label>
      <label>
        Observed to
        <input type="date" value={draft.to} onChange={(event) => set('to', event.target.value)} />
      </label>
      <label>
        Text
        <input type="search" value={draft.q} onChange={(event) => set('q', event.target.value)} placeholder="any field" />
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.includeDeleted === 'true'} onChange={(event) => set('includeDeleted', event.target.checked ? 'true' : '')} />
        Include deleted
      </label>
      <button type="submit">Apply filter</button>
    </form>
  );
}
