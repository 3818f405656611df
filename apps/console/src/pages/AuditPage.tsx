import { useState } from 'react';
import { api } from '../api';
import { Loading, Problem } from '../parts/bits';
import { useLoad, when } from '../parts/load';

interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  address: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
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
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways)">
          <table aria-label="Audit trail">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">From</th>
                <th scope="col">What</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {page.data.events.map((event) => (
                <tr key={event.id}>
                  <td>{when(event.at)}</td>
                  <td>{event.actor}</td>
                  <td>{event.address}</td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>{event.target ?? ''}</td>
                  <td>
                    <code className="wrap">{Object.keys(event.details).length ? JSON.stringify(event.details) : ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
