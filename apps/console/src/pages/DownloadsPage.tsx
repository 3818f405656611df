import { FilterBar, filterOf } from '../parts/filters';
import { CopyField, Section } from '../parts/bits';
import { go } from '../router';
import type { ProjectProps } from '../parts/roles';

/** Format, what the link says, the file's extension, and who it is for. */
const FORMATS = [
  ['xlsx', 'Excel', 'xlsx', 'a column per field (Excel, LibreOffice)'],
  ['zip', 'CSV with photos', 'zip', 'a column per field, and the photos and recordings in media/'],
  ['wide-csv', 'wide CSV', 'csv', 'a column per field'],
  ['csv', 'CSV', 'csv', 'the fields in one JSON column (CyberTracker desktop)'],
  ['gpkg', 'GeoPackage', 'gpkg', 'a point layer per kind, a column per field (QGIS, ArcGIS)'],
  ['geojson', 'GeoJSON', 'geojson', 'QGIS, ArcGIS'],
  ['ndjson', 'NDJSON', 'ndjson', 'one JSON sighting per line'],
] as const;

/** The flags of `fieldsync download` that carry the same filter as the page. */
const CLI_FLAGS: Record<string, string> = { kind: '--kind', device: '--device', from: '--observed-from', to: '--observed-to', q: '--search' };

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Every format with the current filter, and the command line that fetches the same on a schedule. */
export function DownloadsPage({ slug, place }: ProjectProps) {
  const filter = filterOf(place.query);
  const flags = [...filter.entries()].flatMap(([key, value]) =>
    key === 'includeDeleted' ? (value === 'true' ? ['--include-deleted'] : []) : CLI_FLAGS[key] ? [CLI_FLAGS[key], shellQuote(value)] : [],
  );
  const command = ['fieldsync download', '--from', window.location.origin, '--project', slug, '--out', `${slug}-sightings.csv`, ...flags].join(' ');
  return (
    <>
      <h1>Downloads</h1>
      <FilterBar query={place.query} onApply={(next) => go(`/projects/${slug}/downloads`, next)} />
      <p className="muted">{filter.toString() ? 'The files hold the sightings that match the filter.' : 'No filter: the files hold every sighting (deleted ones left out).'}</p>
      <ul className="downloads">
        {FORMATS.map(([format, name, extension, label]) => {
          const query = new URLSearchParams(filter);
          query.set('format', format);
          return (
            <li key={format}>
              <a href={`/api/v1/projects/${slug}/sightings?${query}`} download={`${slug}-sightings${format === 'wide-csv' ? '-wide' : ''}.${extension}`}>
                Download {name}
              </a>{' '}
              <span className="muted">{label}</span>
            </li>
          );
        })}
      </ul>
      <Section title="On a schedule">
        <p>
          On the computer that keeps the database, run this from a scheduled task (cron, Windows Task Scheduler) with an admin token in <code>FIELDSYNC_TOKEN</code>. Each run appends only what changed
          since the last one.
        </p>
        <CopyField label="Download command" value={command} />
      </Section>
      <Section title="Live in QGIS, ArcGIS or GDAL">
        <p>
          Add an OGC API – Features connection (QGIS: Layer → Add Layer → Add WFS / OGC API – Features Layer) with this address, Basic authentication, any user name and a read-only token as the
          password (Tokens page). The layer is this project&apos;s collection, <code>{slug}</code>.
        </p>
        <CopyField label="OGC API – Features address" value={`${window.location.origin}/ogcapi`} />
      </Section>
      <Section title="Live in Excel or Power BI">
        <p>Get Data → OData feed, with this address, Basic authentication, any user name and a read-only token as the password.</p>
        <CopyField label="OData feed address" value={`${window.location.origin}/odata/${slug}.svc`} />
      </Section>
    </>
  );
}
