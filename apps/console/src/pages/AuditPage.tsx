import { useState } from 'react';
import { api } from '../api';
import { Loading, Problem, ScrollingTable } from '../parts/bits';
import { useLoad, when } from '../parts/load';

interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  address: string;
  action: string;
  projectId: string | null;
  project: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

/** What a request was asked, as "format=csv · rows=7": read at a glance, where JSON was not. */
function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

/** Who changed or downloaded what, when and from where; oldest first, a page at a time. */
export function AuditPage() {
  const [after, setAfter] = useState<string[]>(['0']);
  const current = after[after.length - 1]!;
  const page = useLoad(() => api<{ events: AuditEvent[]; next: string }>(`/api/v1/audit?after=${current}&limit=100`), [current]);
  return (
    <>
      <h1>Audit trail</h1>
      <Problem text={page.error} />
      {!page.data ? (
        <Loading what="the audit trail" />
      ) : (
        <ScrollingTable label="Audit trail" columns={['When', 'Who', 'From', 'What', 'Project', 'Target', 'Details']}>
          {page.data.events.map((event) => (
            <tr key={event.id}>
              <td>{when(event.at)}</td>
              <td>{event.actor}</td>
              <td>{event.address}</td>
              <td>
                <code>{event.action}</code>
              </td>
              <td>{event.project ?? (event.projectId ? '(deleted)' : '')}</td>
              <td className="long">{event.target ?? ''}</td>
              <td className="long">{detailsText(event.details ?? {})}</td>
            </tr>
          ))}
        </ScrollingTable>
      )}
      <nav aria-label="Pages" className="pager">
        <button type="button" disabled={after.length === 1} onClick={() => setAfter(after.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!page.data || page.data.events.length < 100} onClick={() => page.data && setAfter([...after, page.data.next])}>
          Next page
        </button>
      </nav>
    </>
  );
}
