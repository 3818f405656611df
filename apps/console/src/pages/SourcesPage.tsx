import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import { Loading, Problem, Section } from '../parts/bits';
import { useLoad, when } from '../parts/load';
import type { ProjectProps } from '../parts/roles';

interface Source {
  id: string;
  url: string;
  username: string | null;
  everyMinutes: number;
  deleteAfterIngest: boolean;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  hasPassword: boolean;
}

interface SourceFile {
  remotePath: string;
  size: number;
  status: string;
  takenAt: string | null;
}

/** Where FieldSync fetches files by itself: FTP(S) sites and folders ("download settings"). */
export function SourcesPage({ slug, manage }: ProjectProps) {
  const sources = useLoad(() => api<{ sources: Source[] }>(`/api/v1/projects/${slug}/sources`).then((answer) => answer.sources), [slug]);
  const [results, setResults] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const act = async (source: Source, what: 'test' | 'run' | 'delete') => {
    setProblem(null);
    try {
      if (what === 'delete') {
        if (!window.confirm(`Stop fetching from ${source.url}?`)) return;
        await api(`/api/v1/projects/${slug}/sources/${source.id}`, { method: 'DELETE' });
        sources.reload();
        return;
      }
      const answer = await api<Record<string, unknown>>(`/api/v1/projects/${slug}/sources/${source.id}/${what}`, { method: 'POST' });
      const said = what === 'run' ? 'Queued: it runs in a moment.' : answer.ok ? `Connected: ${String(answer.files)} file(s) there.` : `Could not connect: ${String(answer.error)}`;
      setResults((previous) => ({ ...previous, [source.id]: said }));
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <>
      <h1>Download settings</h1>
      <p className="muted">FieldSync fetches new files from these places by itself, every few minutes.</p>
      <Problem text={sources.error ?? problem} />
      {!sources.data ? (
        <Loading what="sources" />
      ) : sources.data.length === 0 ? (
        <p>No source yet.</p>
      ) : (
        sources.data.map((source) => (
          <Section key={source.id} title={source.url}>
            <dl className="facts">
              <dt>Login</dt>
              <dd>{source.username ?? '—'}</dd>
              <dt>Every</dt>
              <dd>{source.everyMinutes} min</dd>
              <dt>Last run</dt>
              <dd>{when(source.lastRunAt)}</dd>
              <dt>Last success</dt>
              <dd>{when(source.lastSuccessAt)}</dd>
              <dt>Last error</dt>
              <dd className={source.lastError ? 'bad' : undefined}>{source.lastError ?? 'none'}</dd>
            </dl>
            {results[source.id] && <p role="status">{results[source.id]}</p>}
            {manage && (
              <p className="actions">
                <button type="button" onClick={() => void act(source, 'test')}>
                  Test<span className="visually-hidden"> {source.url}</span>
                </button>
                <button type="button" onClick={() => void act(source, 'run')}>
                  Run now<span className="visually-hidden"> {source.url}</span>
                </button>
                <button type="button" onClick={() => void act(source, 'delete')}>
                  Remove<span className="visually-hidden"> {source.url}</span>
                </button>
              </p>
            )}
            <TakenFiles slug={slug} sourceId={source.id} />
          </Section>
        ))
      )}
      {manage && <AddSource slug={slug} onAdded={sources.reload} />}
    </>
  );
}

function TakenFiles({ slug, sourceId }: { slug: string; sourceId: string }) {
  const files = useLoad(() => api<{ files: SourceFile[] }>(`/api/v1/projects/${slug}/sources/${sourceId}/files`).then((answer) => answer.files), [slug, sourceId]);
  if (!files.data || files.data.length === 0) return <p className="muted">No file taken yet.</p>;
  return (
    <details>
      <summary>Files already taken ({files.data.length})</summary>
      <ul>
        {files.data.map((file) => (
          <li key={file.remotePath}>
            {file.remotePath} — {file.size.toLocaleString()} bytes, {file.status}
          </li>
        ))}
      </ul>
    </details>
  );
}

function AddSource({ slug, onAdded }: { slug: string; onAdded: () => void }) {
  const [url, setUrl] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [everyMinutes, setEveryMinutes] = useState('15');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await api(`/api/v1/projects/${slug}/sources`, { method: 'POST', body: { url, ...(username ? { username } : {}), ...(password ? { password } : {}), everyMinutes: Number(everyMinutes) } });
      setUrl('');
      setPassword('');
      onAdded();
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <Section title="Add a source">
      <form className="stack" onSubmit={(event) => void submit(event)}>
        <label>
          Address (ftp://, ftps:// or a folder on the server)
          <input required value={url} onChange={(event) => setUrl(event.target.value)} placeholder="ftps://ftp.example.org/CTData" />
        </label>
        <label>
          Login
          <input value={username} autoComplete="off" onChange={(event) => setUsername(event.target.value)} />
        </label>
        <label>
          Password (stored encrypted, never shown again)
          <input type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <label>
          Every (minutes)
          <input type="number" min={1} max={1440} required value={everyMinutes} onChange={(event) => setEveryMinutes(event.target.value)} />
        </label>
        <Problem text={problem} />
        <button type="submit">Add source</button>
      </form>
    </Section>
  );
}
