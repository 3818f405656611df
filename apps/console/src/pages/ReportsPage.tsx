import { useMemo, useRef, useState } from 'react';
import { api } from '../api';
import { FilterBar, filterOf } from '../parts/filters';
import { counted, Loading, Problem } from '../parts/bits';
import { useLoad } from '../parts/load';
import { go } from '../router';
import type { ProjectProps } from '../parts/roles';

interface ReportRow {
  period: string;
  value: string | null;
  count: number;
}

interface Report {
  rows: ReportRow[];
  truncated: boolean;
  undated: number;
}

/** Values drawn in their own colour; the rest are stacked together as "other values". */
const SHOWN_VALUES = 8;
const COLOURS = ['#1f6f8b', '#e07a1f', '#3c9d4e', '#b8336a', '#7b5ea7', '#c9a227', '#4a90c2', '#8c564b', '#9aa0a6'];
const OTHER = 'other values';
const NONE = '(none)';

/** The chart's stacks: per period, the count of each shown value and of the others together. */
export function stacked(rows: ReportRow[]): { periods: string[]; values: string[]; counts: Map<string, Map<string, number>> } {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.value ?? NONE, (totals.get(row.value ?? NONE) ?? 0) + row.count);
  const ranked = [...totals].sort((a, b) => b[1] - a[1]).map(([value]) => value);
  const shown = new Set(ranked.slice(0, SHOWN_VALUES));
  const values = ranked.length > SHOWN_VALUES ? [...ranked.slice(0, SHOWN_VALUES), OTHER] : ranked;
  const counts = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const value = shown.has(row.value ?? NONE) ? (row.value ?? NONE) : OTHER;
    const period = counts.get(row.period) ?? new Map<string, number>();
    period.set(value, (period.get(value) ?? 0) + row.count);
    counts.set(row.period, period);
  }
  return { periods: [...counts.keys()].sort(), values, counts };
}

function csvOf(rows: ReportRow[], by: string): string {
  const quote = (text: string) => (/[",\r\n]/.test(text) || /^[=+\-@]/.test(text) ? `"${text.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : text);
  return [`period,${quote(by)},count`, ...rows.map((row) => `${row.period},${quote(row.value ?? '')},${row.count}`)].join('\n') + '\n';
}

/**
 * Reports: how many sightings per value of a field (or kind, or device) per day, week or month,
 * counted by the database with the table's filters; a stacked bar chart, the table beneath it,
 * and both to download (CSV, PNG).
 */
export function ReportsPage({ slug, place }: ProjectProps) {
  const filter = filterOf(place.query);
  const by = place.query.get('by') ?? '';
  const period = place.query.get('period') ?? 'week';
  const fields = useLoad(() => api<{ fields: { name: string; sightings: number }[] }>(`/api/v1/projects/${slug}/fields`), [slug]);
  const chosen = by || fields.data?.fields[0]?.name || 'kind';
  const report = useLoad(() => {
    const query = new URLSearchParams(filter);
    query.set('by', chosen);
    query.set('period', period);
    return api<Report>(`/api/v1/projects/${slug}/report?${query}`);
  }, [slug, filter.toString(), chosen, period]);
  const change = (key: string, value: string) => {
    const query = new URLSearchParams(place.query);
    query.set(key, value);
    go(`/projects/${slug}/reports`, query);
  };
  const rows = report.data?.rows ?? [];
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const csvUrl = useMemo(() => URL.createObjectURL(new Blob([csvOf(rows, chosen)], { type: 'text/csv' })), [rows, chosen]);
  return (
    <>
      <h1>Reports</h1>
      <FilterBar
        query={place.query}
        onApply={(next) => {
          next.set('by', chosen);
          next.set('period', period);
          go(`/projects/${slug}/reports`, next);
        }}
      />
      <form className="filters" aria-label="Report" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor="report-by">Count by</label>
        <select id="report-by" value={chosen} onChange={(event) => change('by', event.target.value)}>
          {(fields.data?.fields ?? []).map((field) => (
            <option key={field.name} value={field.name}>
              {field.name}
            </option>
          ))}
          <option value="kind">kind</option>
          <option value="device">device id</option>
        </select>
        <label htmlFor="report-period">Period</label>
        <select id="report-period" value={period} onChange={(event) => change('period', event.target.value)}>
          <option value="day">day</option>
          <option value="week">week (from Monday)</option>
          <option value="month">month</option>
        </select>
      </form>
      <Problem text={fields.error ?? report.error} />
      {!report.data ? (
        <Loading what="the report" />
      ) : rows.length === 0 ? (
        <p role="status">No dated sighting matches.</p>
      ) : (
        <>
          <ReportChart rows={rows} by={chosen} />
          <p role="status" className="muted">
            {counted(total, 'sighting')} in {counted(new Set(rows.map((row) => row.period)).size, 'period')}
            {report.data.undated > 0 ? `; ${counted(report.data.undated, 'sighting')} without a date left out` : ''}
            {report.data.truncated ? '; the report was cut at 10,000 rows: narrow the filter' : ''}.
          </p>
          <p>
            <a href={csvUrl} download={`${slug}-report-${chosen}-${period}.csv`}>
              Download the table (CSV)
            </a>
          </p>
          <table aria-label="Report table">
            <thead>
              <tr>
                <th scope="col">Period from</th>
                <th scope="col">{chosen}</th>
                <th scope="col">Sightings</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.period}|${row.value}`}>
                  <td>{row.period}</td>
                  <td>{row.value ?? NONE}</td>
                  <td>{row.count}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  Total
                </th>
                <td>{total}</td>
              </tr>
            </tfoot>
          </table>
        </>
      )}
    </>
  );
}

function ReportChart({ rows, by }: { rows: ReportRow[]; by: string }) {
  const svg = useRef<SVGSVGElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { periods, values, counts } = stacked(rows);
  const height = 220;
  const barWidth = Math.max(6, Math.min(80, Math.floor(720 / Math.max(1, periods.length))));
  // Each bar names its period when there is room; otherwise the first and the last only.
  const labelled = barWidth >= 70;
  const width = periods.length * barWidth + 40;
  const max = Math.max(1, ...periods.map((period) => [...(counts.get(period)?.values() ?? [])].reduce((sum, count) => sum + count, 0)));
  const label = `Sightings by ${by} per period: ${periods.map((period) => `${period} ${[...(counts.get(period)?.values() ?? [])].reduce((sum, count) => sum + count, 0)}`).join(', ')}`;
  const savePng = () => {
    if (!svg.current) return;
    const image = new Image();
    const source = new XMLSerializer().serializeToString(svg.current);
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = width * 2;
      canvas.height = height * 2;
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      const link = document.createElement('a');
      link.download = `report-${by}.png`;
      link.href = canvas.toDataURL('image/png');
      link.click();
    };
    image.onerror = () => setProblem('The chart could not be drawn as a picture in this browser.');
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(source)}`;
  };
  return (
    <figure className="chart-box report-chart">
      <svg ref={svg} xmlns="http://www.w3.org/2000/svg" role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`} width={width} height={height}>
        {periods.map((period, index) => {
          let top = height - 20;
          return (
            <g key={period}>
              {values.map((value, valueIndex) => {
                const count = counts.get(period)?.get(value) ?? 0;
                if (count === 0) return null;
                const barHeight = (count / max) * (height - 30);
                top -= barHeight;
                return (
                  <rect key={value} data-count={count} x={index * barWidth + 30} y={top} width={barWidth - 2} height={barHeight} fill={COLOURS[valueIndex % COLOURS.length]}>
                    <title>{`${period}, ${value}: ${count}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
        <text x="0" y="12" fontSize="11">
          {max}
        </text>
        {labelled ? (
          periods.map((period, index) => (
            <text key={period} x={index * barWidth + 30 + (barWidth - 2) / 2} y={height - 6} fontSize="11" textAnchor="middle">
              {period}
            </text>
          ))
        ) : (
          <>
            <text x="30" y={height - 6} fontSize="11">
              {periods[0]}
            </text>
            <text x={width} y={height - 6} fontSize="11" textAnchor="end">
              {periods[periods.length - 1]}
            </text>
          </>
        )}
      </svg>
      <figcaption>
        <ul className="report-legend" aria-label="Legend">
          {values.map((value, index) => (
            <li key={value}>
              <span className="swatch" style={{ background: COLOURS[index % COLOURS.length] }} aria-hidden="true" />
              {value}
            </li>
          ))}
        </ul>
        <button type="button" onClick={savePng}>
          Download the chart (PNG)
        </button>
        <Problem text={problem} />
      </figcaption>
    </figure>
  );
}
