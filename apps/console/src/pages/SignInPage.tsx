import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../api';
import type { Me } from '../api';
import { Problem } from '../parts/bits';

export function SignInPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  // Set once the server said the password was a one-time password: the next submit replaces it.
  const [mustChange, setMustChange] = useState(false);
  const [newPassword, setNewPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onSignedIn(await api<Me>('/api/v1/session', { method: 'POST', body: mustChange ? { login, password, newPassword } : { login, password } }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && !mustChange) {
        setMustChange(true);
        setProblem('This password was given to you for one sign-in. Choose your own password (at least 10 characters) to go on.');
      } else setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>FieldSync</h1>
      <form onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <label>
          Login
          <input name="login" autoComplete="username" required value={login} onChange={(event) => setLogin(event.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        {mustChange && (
          <label>
            Your new password
            <input name="newPassword" type="password" autoComplete="new-password" minLength={10} required value={newPassword} onChange={(event) => setNewPassword(event.target.value)} />
          </label>
        )}
        <Problem text={problem} />
        <button type="submit" disabled={busy}>
          {mustChange ? 'Change password and sign in' : 'Sign in'}
        </button>
      </form>
      <p className="hint">
        No account yet? The first start printed an admin token: create a person with it (<code>POST /api/v1/people</code>, see the README).
      </p>
    </main>
  );
}
