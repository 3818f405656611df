import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Me } from '../api';
import { Problem, Section } from '../parts/bits';
import { when } from '../parts/load';

export function MePage({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const change = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await api('/api/v1/session/password', { method: 'PUT', body: { current, password } });
      setDone(true);
      setCurrent('');
      setPassword('');
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <>
      <h1>{me.person.displayName || me.person.login}</h1>
      <dl className="facts">
        <dt>Login</dt>
        <dd>{me.person.login}</dd>
        <dt>Role</dt>
        <dd>{me.person.siteAdmin ? 'Site administrator' : me.projects === 'all' ? 'All projects' : me.projects.map((project) => `${project.slug}: ${project.role}`).join(', ') || 'No project yet'}</dd>
        <dt>Session ends</dt>
        <dd>{when(me.expiresAt)}</dd>
      </dl>
      <Section title="Change password">
        <form onSubmit={(event) => void change(event)} className="stack">
          <label>
            Current password
            <input type="password" autoComplete="current-password" required value={current} onChange={(event) => setCurrent(event.target.value)} />
          </label>
          <label>
            New password (at least 10 characters)
            <input type="password" autoComplete="new-password" required minLength={10} value={password} onChange={(event) => setPassword(event.target.value)} />
          </label>
          <Problem text={problem} />
          {done && <p role="status">Password changed. Your other sessions were signed out.</p>}
          <button type="submit">Change password</button>
        </form>
      </Section>
      <button
        type="button"
        onClick={() => {
          void api('/api/v1/session', { method: 'DELETE' }).finally(onSignedOut);
        }}
      >
        Sign out
      </button>
    </>
  );
}
