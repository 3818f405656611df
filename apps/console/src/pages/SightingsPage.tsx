import { useEffect, useMemo, useState } from 'react';
import { api } from '../api';
import type { ReviewState, Sighting, SightingPage } from '../api';
import { FieldValue } from '../parts/field-value';
import { FilterBar, filterOf } from '../parts/filters';
import { Loading, Problem, ScrollingTable } from '../parts/bits';
import { useLoad, when } from '../parts/load';
import { go, href } from '../router';
import type { ProjectProps } from '../parts/roles';
import { ReviewActions, ReviewBadge } from '../parts/review';

const PAGE_ROWS = 50;
const FIXED_COLUMNS = ['observed', 'kind', 'review', 'device', 'latitude', 'longitude'] as const;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * The sightings table: one column per field, chosen by the reader and remembered per project.
 * Pages follow the feed's cursor, so the hundredth page costs what the first does, however many
 * million rows the project holds.
 */
export function SightingsPage({ slug, place, manage }: ProjectProps) {
  const filter = filterOf(place.query);
  const after = place.query.get('after') ?? '0';
  const trail = (place.query.get('trail') ?? '').split(',').filter(Boolean);
  const page = useLoad(() => {
    const query = new URLSearchParams(filter);
    query.set('after', after);
    query.set('limit', String(PAGE_ROWS));
    return api<SightingPage>(`/api/v1/projects/${slug}/sightings?${query}`);
  }, [slug, filter.toString(), after]);

  const fields = useMemo(() => [...new Set((page.data?.sightings ?? []).flatMap((sighting) => Object.keys(sighting.data)))].sort(), [page.data]);
  const storageKey = `fieldsync.columns.${slug}`;
  const [chosen, setChosen] = useState<string[] | null>(() => JSON.parse(localStorage.getItem(storageKey) ?? 'null') as string[] | null);
  useEffect(() => {
    if (chosen) localStorage.setItem(storageKey, JSON.stringify(chosen));
  }, [chosen, storageKey]);
  const shownFields = chosen ?? fields.slice(0, 6);

  const moveTo = (nextAfter: string, nextTrail: string[]) => {
    const query = new URLSearchParams(filter);
    if (nextAfter !== '0') query.set('after', nextAfter);
    if (nextTrail.length) query.set('trail', nextTrail.join(','));
    go(`/projects/${slug}/sightings`, query);
  };
  const rows = page.data?.sightings ?? [];
  // Reviewed rows stay where they are on this page with their new state (in the feed they moved to its end).
  const [reviewed, setReviewed] = useState<Record<string, ReviewState>>({});
  const [selected, setSelected] = useState<string[]>([]);
  useEffect(() => {
    setSelected([]);
    setReviewed({});
  }, [page.data]);
  const toggle = (id: string, on: boolean) => setSelected((previous) => (on ? [...previous, id] : previous.filter((item) => item !== id)));
  return (
    <>
      <h1>Sightings</h1>
      <FilterBar query={place.query} onApply={(next) => go(`/projects/${slug}/sightings`, next)} />
      <details className="columns">
        <summary>Columns</summary>
        <fieldset>
          <legend>Fields shown as columns</legend>
          {[...new Set([...fields, ...shownFields])].map((field) => (
            <label key={field} className="check">
              <input
                type="checkbox"
                checked={shownFields.includes(field)}
                onChange={(event) => setChosen(event.target.checked ? [...shownFields, field] : shownFields.filter((name) => name !== field))}
              />
              {field}
            </label>
          ))}
        </fieldset>
      </details>
      <Problem text={page.error} />
      {!page.data ? (
        <Loading what="sightings" />
      ) : (
        <>
          <p role="status" className="muted">
            {rows.length === 0 ? 'No sighting matches.' : `Sightings ${Number(trail.length) * PAGE_ROWS + 1}–${Number(trail.length) * PAGE_ROWS + rows.length}, oldest change first.`}
          </p>
          {manage && rows.length > 0 && (
            <ReviewActions
              slug={slug}
              ids={selected}
              label={selected.length === 0 ? 'Review: select rows first' : `Review ${selected.length} selected`}
              onDone={(state) => {
                setReviewed((previous) => ({ ...previous, ...Object.fromEntries(selected.map((id) => [id, state])) }));
                setSelected([]);
              }}
            />
          )}
          <ScrollingTable label="Sightings" columns={[...(manage ? ['select'] : []), ...FIXED_COLUMNS, ...shownFields, 'Files']}>
            {rows.map((sighting: Sighting) => (
              <tr key={sighting.id} className={sighting.deleted ? 'deleted' : undefined}>
                {manage && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select sighting of ${when(sighting.observedAt)} (${sighting.id})`}
                      checked={selected.includes(sighting.id)}
                      onChange={(event) => toggle(sighting.id, event.target.checked)}
                    />
                  </td>
                )}
                <td>
                  <a href={href(`/projects/${slug}/sightings/${encodeURIComponent(sighting.id)}`)}>{when(sighting.observedAt)}</a>
                </td>
                <td>{sighting.kind}</td>
                <td>
                  <ReviewBadge state={reviewed[sighting.id] ?? sighting.reviewState} />
                </td>
                <td>{sighting.deviceId ?? ''}</td>
                <td>{sighting.latitude ?? ''}</td>
                <td>{sighting.longitude ?? ''}</td>
                {shownFields.map((field) => (
                  <td key={field}>
                    <FieldValue slug={slug} value={sighting.data[field]} attachments={sighting.attachments} plain={cell} />
                  </td>
                ))}
                <td>{sighting.attachments.length || ''}</td>
              </tr>
            ))}
          </ScrollingTable>
          <nav aria-label="Pages" className="pager">
            <button type="button" disabled={trail.length === 0} onClick={() => moveTo(trail[trail.length - 1] ?? '0', trail.slice(0, -1))}>
              Previous page
            </button>
            <button type="button" disabled={rows.length < PAGE_ROWS} onClick={() => moveTo(page.data!.next, [...trail, after])}>
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
