import { lazy, Suspense, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Me, Overview, Project } from '../api';
import { canManage } from '../parts/roles';
import type { ProjectProps } from '../parts/roles';
import { counted, Loading, Problem, Section, UploadsChart } from '../parts/bits';
import { filterOf } from '../parts/filters';
import { clustersUrl, startEarly, worldQuery } from '../parts/map-clusters';
import { useLoad, when } from '../parts/load';
import { go, href } from '../router';
import type { Place } from '../router';
import { DevicesPage } from './DevicesPage';
import { BatchesPage } from './BatchesPage';
import { SightingsPage } from './SightingsPage';
import { SightingDetailPage } from './SightingDetailPage';
import { DownloadsPage } from './DownloadsPage';
import { SourcesPage } from './SourcesPage';
import { FormsPage } from './FormsPage';
import { SubscriptionsPage } from './SubscriptionsPage';
import { ReportsPage } from './ReportsPage';

// MapLibre is most of the console's weight: loaded only when the map is opened.
const MapPage = lazy(() => import('./MapPage').then((module) => ({ default: module.MapPage })));

const TABS = [
  ['', 'Overview'],
  ['devices', 'Devices'],
  ['batches', 'Batches'],
  ['sightings', 'Sightings'],
  ['map', 'Map'],
  ['reports', 'Reports'],
  ['downloads', 'Downloads'],
  ['sources', 'Download settings'],
  ['forms', 'Forms'],
  ['subscriptions', 'Subscriptions'],
] as const;

export function ProjectPage({ me, slug, place }: { me: Me; slug: string; place: Place }) {
  const tab = place.parts[2] ?? '';
  // The counts cost a scan of the project's sightings: read them only on the overview itself.
  const project = useLoad(() => api<{ projects: Project[] }>('/api/v1/projects').then((answer) => answer.projects.find((item) => item.slug === slug) ?? null), [slug]);
  const overview = useLoad(() => (tab === '' ? api<Overview>(`/api/v1/projects/${slug}/overview`) : Promise.resolve(null)), [slug, tab]);
  const props: ProjectProps = { me, slug, place, manage: canManage(me, slug) };
  // The filter follows from the table to the map and the downloads.
  const filter = ['sightings', 'map', 'reports', 'downloads'].includes(tab) ? filterOf(place.query) : undefined;
  const mapQuery = tab === 'map' ? worldQuery(filter?.toString() ?? '', place.query.get('colourBy') ?? 'kind').toString() : null;
  useEffect(() => {
    if (mapQuery) startEarly(clustersUrl(slug, new URLSearchParams(mapQuery)));
  }, [slug, mapQuery]);
  return (
    <>
      <p className="crumbs">
        <a href="#/">Projects</a> / {project.data?.name ?? slug}
      </p>
      <nav aria-label="Project" className="tabs">
        {TABS.map(([path, label]) => (
          <a
            key={path}
            href={href(`/projects/${slug}${path ? `/${path}` : ''}`, ['sightings', 'map', 'reports', 'downloads'].includes(path) ? filter : undefined)}
            aria-current={tab === path ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      <Problem text={project.error ?? overview.error} />
      {tab === '' && (overview.data ? <OverviewPanel overview={overview.data} slug={slug} /> : <Loading what="the project" />)}
      {tab === '' && overview.data && me.person.siteAdmin && <DeleteProject slug={slug} overview={overview.data} />}
      {tab === 'devices' && <DevicesPage {...props} />}
      {tab === 'batches' && <BatchesPage {...props} />}
      {tab === 'sightings' && (place.parts[3] ? <SightingDetailPage {...props} uid={place.parts[3]} /> : <SightingsPage {...props} />)}
      {tab === 'map' && (
        <Suspense fallback={<Loading what="the map" />}>
          <MapPage {...props} />
        </Suspense>
      )}
      {tab === 'reports' && <ReportsPage {...props} />}
      {tab === 'downloads' && <DownloadsPage {...props} />}
      {tab === 'sources' && <SourcesPage {...props} />}
      {tab === 'forms' && <FormsPage {...props} />}
      {tab === 'subscriptions' && <SubscriptionsPage {...props} />}
    </>
  );
}

/** The three most frequent values of the project's most used field, counted by the report. */
function TopValues({ slug }: { slug: string }) {
  const top = useLoad(async () => {
    const { fields } = await api<{ fields: { name: string }[] }>(`/api/v1/projects/${slug}/fields`);
    const field = fields[0]?.name;
    if (!field) return null;
    const { rows } = await api<{ rows: { value: string | null; count: number }[] }>(`/api/v1/projects/${slug}/report?${new URLSearchParams({ by: field, period: 'month' })}`);
    const totals = new Map<string, number>();
    for (const row of rows) if (row.value !== null) totals.set(row.value, (totals.get(row.value) ?? 0) + row.count);
    return { field, values: [...totals].sort((a, b) => b[1] - a[1]).slice(0, 3) };
  }, [slug]);
  if (!top.data || top.data.values.length === 0) return null;
  return (
    <>
      <h2>Most frequent {top.data.field}</h2>
      <ol aria-label={`Most frequent ${top.data.field}`}>
        {top.data.values.map(([value, count]) => (
          <li key={value}>
            {value}: {counted(count, 'sighting')}
          </li>
        ))}
      </ol>
      <p>
        <a href={href(`/projects/${slug}/reports`, new URLSearchParams({ by: top.data.field }))}>Open the report</a>
      </p>
    </>
  );
}

function OverviewPanel({ overview, slug }: { overview: Overview; slug: string }) {
  return (
    <>
      <h1>{overview.name}</h1>
      <dl className="counts big">
        <div>
          <dt>Sightings</dt>
          <dd>{overview.sightings.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Devices</dt>
          <dd>{overview.devices}</dd>
        </div>
        <div>
          <dt>Batches waiting</dt>
          <dd>{overview.waiting}</dd>
        </div>
        <div>
          <dt>Batches failed</dt>
          <dd className={overview.failed > 0 ? 'bad' : undefined}>{overview.failed}</dd>
        </div>
      </dl>
      <p>Last upload: {when(overview.lastUploadAt)}</p>
      <h2>Uploads per day (last {overview.uploadsPerDay.length} days)</h2>
      <UploadsChart days={overview.uploadsPerDay} />
      <TopValues slug={slug} />
    </>
  );
}

/** Site administrators only; the slug typed again is the confirmation the server asks for. */
function DeleteProject({ slug, overview }: { slug: string; overview: Overview }) {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await api(`/api/v1/projects/${slug}?${new URLSearchParams({ confirm: typed })}`, { method: 'DELETE' });
      go('/');
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <Section title="Delete this project">
      <form onSubmit={(event) => void submit(event)} className="stack">
        <p>
          This removes its {counted(overview.sightings, 'sighting')}, {counted(overview.devices, 'device')}, every batch and file, for good. Download what you want to keep first.
        </p>
        <label>
          Type {slug} to confirm
          <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
        </label>
        <Problem text={problem} />
        <button type="submit" className="danger" disabled={typed !== slug}>
          Delete project for good
        </button>
      </form>
    </Section>
  );
}
