import { useEffect, useState } from 'react';
import { api } from '../api';
import type { Batch, Device } from '../api';
import { Loading, Problem, Section, StatusBadge, ScrollingTable } from '../parts/bits';
import { useLoad, when } from '../parts/load';
import type { ProjectProps } from '../parts/roles';

const SHOWN = 200;

/** The project's batches, newest first, kept current by the server's live stream of changes. */
export function BatchesPage({ slug, manage }: ProjectProps) {
  const [batches, setBatches] = useState<Batch[] | null>(null);
  const [live, setLive] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [problem, setProblem] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const devices = useLoad(() => api<{ devices: Device[] }>(`/api/v1/projects/${slug}/devices`).then((answer) => new Map(answer.devices.map((device) => [device.id, device.name]))), [slug]);

  useEffect(() => {
    let stream: EventSource | null = null;
    let stopped = false;
    api<{ batches: Batch[]; asOf: string }>(`/api/v1/projects/${slug}/batches?limit=${SHOWN}`).then(
      ({ batches: first, asOf }) => {
        if (stopped) return;
        setBatches(first);
        stream = new EventSource(`/api/v1/projects/${slug}/batches/live?since=${encodeURIComponent(asOf)}`);
        stream.onopen = () => setLive('live');
        stream.onerror = () => setLive('reconnecting');
        stream.addEventListener('batch', (event) => {
          const changed = JSON.parse((event as MessageEvent<string>).data) as Batch;
          setBatches((current) => {
            const others = (current ?? []).filter((batch) => batch.id !== changed.id);
            return [changed, ...others].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt)).slice(0, SHOWN);
          });
        });
      },
      (error: Error) => setProblem(error.message),
    );
    return () => {
      stopped = true;
      stream?.close();
    };
  }, [slug]);

  return (
    <>
      <h1>Batches</h1>
      <p className="muted" role="status">
        {live === 'live' ? 'Live: new batches appear here by themselves.' : live === 'connecting' ? 'Connecting…' : 'Connection lost; reconnecting…'}
      </p>
      <Problem text={problem} />
      {!batches ? (
        <Loading what="batches" />
      ) : batches.length === 0 ? (
        <p>No batch yet: nothing has been sent to this project.</p>
      ) : (
        <ScrollingTable label="Batches" columns={['Received', 'Door', 'Device', 'File', 'Status', 'Records', 'New', 'Updated', 'Duplicate', 'Rejected']}>
          {batches.map((batch) => (
            <tr key={batch.id} data-batch={batch.id}>
              <td>
                <button type="button" className="link" aria-expanded={open === batch.id} onClick={() => setOpen(open === batch.id ? null : batch.id)}>
                  {when(batch.receivedAt)}
                </button>
              </td>
              <td>{batch.door}</td>
              <td>{batch.deviceId ? (devices.data?.get(batch.deviceId) ?? batch.deviceId.slice(0, 8)) : '—'}</td>
              <td>{batch.fileName ?? '—'}</td>
              <td>
                <StatusBadge status={batch.status} />
              </td>
              <td>{batch.counts.records}</td>
              <td>{batch.counts.new}</td>
              <td>{batch.counts.updated}</td>
              <td>{batch.counts.duplicate}</td>
              <td>{batch.counts.rejected}</td>
            </tr>
          ))}
        </ScrollingTable>
      )}
      {open && <BatchDetail slug={slug} batchId={open} manage={manage} key={open + (batches?.find((batch) => batch.id === open)?.status ?? '')} />}
    </>
  );
}

function BatchDetail({ slug, batchId, manage }: { slug: string; batchId: string; manage: boolean }) {
  const batch = useLoad(() => api<Batch>(`/api/v1/batches/${batchId}`), [batchId]);
  const [note, setNote] = useState<string | null>(null);
  const retry = async () => {
    try {
      await api(`/api/v1/projects/${slug}/batches/${batchId}/retry`, { method: 'POST' });
      setNote('Queued again: its status changes here when the merge runs.');
    } catch (error) {
      setNote((error as Error).message);
    }
  };
  if (!batch.data) return <Loading what="the batch" />;
  const { data } = batch;
  return (
    <Section title={`Batch ${data.fileName ?? data.id}`}>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={data.status} />
        </dd>
        <dt>Format</dt>
        <dd>{data.format ?? '—'}</dd>
        <dt>Merged</dt>
        <dd>{when(data.consolidatedAt)}</dd>
        {data.error && (
          <>
            <dt>Why</dt>
            <dd className="bad">{data.error}</dd>
          </>
        )}
      </dl>
      <p className="actions">
        <a href={`/api/v1/projects/${slug}/batches/${data.id}/file`} download>
          Download the original file
        </a>
        {manage && data.status === 'failed' && (
          <button type="button" onClick={() => void retry()}>
            Retry this batch
          </button>
        )}
      </p>
      <Problem text={batch.error} />
      {note && <p role="status">{note}</p>}
      {data.rejections && data.rejections.length > 0 && (
        <table aria-label="Rejected records">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {data.rejections.map((rejection) => (
              <tr key={rejection.index}>
                <td>#{rejection.index}</td>
                <td>{rejection.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
