import { useState } from 'react';
import type { ReactNode } from 'react';

/** A refusal or failure in words, announced to screen readers. */
export function Problem({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <p className="problem" role="alert">
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p aria-busy="true">Loading {what}…</p>;
}

const STATUS_WORDS: Record<string, string> = {
  received: 'waiting',
  processing: 'merging',
  consolidated: 'merged',
  rejected: 'rejected',
  failed: 'failed',
};

export function StatusBadge({ status }: { status: string | null }) {
  if (!status) return <span>—</span>;
  return <span className={`badge badge-${status}`}>{STATUS_WORDS[status] ?? status}</span>;
}

/** A value to copy into a device's settings, with its label and a copy button. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const id = `copy-${label.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} readOnly value={value} onFocus={(event) => event.currentTarget.select()} />
        <button
          type="button"
          aria-label={`Copy ${label}`}
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

/** "1 device", "7 devices", "2 batches". */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? noun : plural}`;
}

const dayShown = (day: string) => new Date(`${day}T00:00:00`).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

/**
 * Batches per day as a small bar chart: the numbers are in its accessible name and in each bar's
 * tooltip, and the first and last day and the busiest day's count are written under it.
 */
export function UploadsChart({ days }: { days: { day: string; batches: number }[] }) {
  const max = Math.max(1, ...days.map((entry) => entry.batches));
  const width = 8;
  const label = `Uploads per day: ${days.map((entry) => `${entry.day} ${entry.batches}`).join(', ')}`;
  const busiest = Math.max(0, ...days.map((entry) => entry.batches));
  return (
    <figure className="chart-box">
      <svg className="chart" role="img" aria-label={label} viewBox={`0 0 ${days.length * width} 40`} preserveAspectRatio="none">
        {days.map((entry, index) => {
          const height = (entry.batches / max) * 38;
          return (
            <rect key={entry.day} x={index * width + 1} y={40 - height} width={width - 2} height={height}>
              <title>{`${dayShown(entry.day)}: ${counted(entry.batches, 'batch', 'batches')}`}</title>
            </rect>
          );
        })}
      </svg>
      {days.length > 0 && (
        <figcaption className="chart-axis" aria-hidden="true">
          <span>{dayShown(days[0].day)}</span>
          <span>{busiest === 0 ? 'no uploads' : `busiest day ${counted(busiest, 'batch', 'batches')}`}</span>
          <span>{dayShown(days[days.length - 1].day)}</span>
        </figcaption>
      )}
    </figure>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-labelledby={`h-${title.replace(/\W+/g, '-')}`}>
      <div className="section-head">
        <h2 id={`h-${title.replace(/\W+/g, '-')}`}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/** A secret shown once (a device secret, a token, a one-time password), with what to do with it. */
export function ShownOnce({ title, note, label, value, onDone }: { title: string; note: string; label: string; value: string; onDone: () => void }) {
  return (
    <Section title={title} actions={<button onClick={onDone}>Done</button>}>
      <p role="status" className="warning">
        {note}
      </p>
      <CopyField label={label} value={value} />
    </Section>
  );
}

/**
 * A table that scrolls sideways on a narrow screen; the scrolling box takes keyboard focus, so it
 * can be scrolled without a mouse (axe: scrollable-region-focusable).
 */
export function ScrollingTable({ label, columns, children }: { label: string; columns: string[]; children: ReactNode }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${label} (scrolls sideways)`}>
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th scope="col" key={`${index}-${column}`}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
