import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import { Loading, Problem, Section, ShownOnce, ScrollingTable } from '../parts/bits';
import { useAction, useLoad, when } from '../parts/load';

interface Token {
  id: string;
  name: string;
  role: string;
  projects: string[] | null;
  createdAt: string;
  owner: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Admin tokens for scripts and scheduled downloads. */
export function TokensPage() {
  const tokens = useLoad(() => api<{ tokens: Token[] }>('/api/v1/tokens').then((answer) => answer.tokens), []);
  const [made, setMade] = useState<{ name: string; token: string } | null>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('read-only');
  const { problem, act } = useAction(tokens.reload);
  const create = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      setMade(await api<{ token: string; name: string }>('/api/v1/tokens', { method: 'POST', body: { name, role } }));
      setName('');
    });
  };
  const revoke = (token: Token) => {
    if (window.confirm(`Revoke "${token.name}"? Scripts using it stop working at once.`)) void act(() => api(`/api/v1/tokens/${token.id}`, { method: 'DELETE' }));
  };
  return (
    <>
      <h1>Tokens</h1>
      <Problem text={tokens.error ?? problem} />
      {made && (
        <ShownOnce title={`Token "${made.name}"`} note="Shown only now: put it where the script reads it (e.g. FIELDSYNC_TOKEN)." label="Token" value={made.token} onDone={() => setMade(null)} />
      )}
      {!tokens.data ? (
        <Loading what="tokens" />
      ) : (
        <ScrollingTable label="Tokens" columns={['Name', 'Role', 'Projects', 'Owner', 'Last used', 'State', 'Actions']}>
          {tokens.data.map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>{token.role}</td>
              <td>{token.projects?.join(', ') ?? 'all'}</td>
              <td>{token.owner ?? '—'}</td>
              <td>{when(token.lastUsedAt)}</td>
              <td>{token.revokedAt ? `revoked ${when(token.revokedAt)}` : 'active'}</td>
              <td>
                {!token.revokedAt && (
                  <button type="button" onClick={() => revoke(token)}>
                    Revoke<span className="visually-hidden"> {token.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </ScrollingTable>
      )}
      <Section title="Make a token">
        <form className="inline" onSubmit={create}>
          <label>
            Token name
            <input required value={name} onChange={(event) => setName(event.target.value)} placeholder="nightly export" />
          </label>
          <label>
            Token role
            <select value={role} onChange={(event) => setRole(event.target.value)}>
              <option value="read-only">read-only (downloads)</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <button type="submit">Make token</button>
        </form>
      </Section>
    </>
  );
}
