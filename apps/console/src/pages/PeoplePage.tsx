import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Project } from '../api';
import { Loading, Problem, Section, ShownOnce, ScrollingTable } from '../parts/bits';
import { useAction, useLoad, when } from '../parts/load';

interface Person {
  id: string;
  login: string;
  displayName: string;
  siteAdmin: boolean;
  enabled: boolean;
  createdAt: string;
  projects: { projectId: string; role: 'manager' | 'viewer' }[];
}

/** People who sign in to the console, and their role in each project (site administrators only). */
export function PeoplePage() {
  const people = useLoad(() => api<{ people: Person[] }>('/api/v1/people').then((answer) => answer.people), []);
  const projects = useLoad(() => api<{ projects: Project[] }>('/api/v1/projects').then((answer) => answer.projects), []);
  const { problem, act } = useAction(people.reload);
  const [oneTime, setOneTime] = useState<{ login: string; password: string } | null>(null);
  const slugOf = (projectId: string) => projects.data?.find((project) => project.id === projectId)?.slug ?? projectId;
  return (
    <>
      <h1>People</h1>
      <Problem text={people.error ?? problem} />
      {oneTime && (
        <ShownOnce
          title={`One-time password for ${oneTime.login}`}
          note="Give it to them by a safe way; it is shown only now, and they change it after signing in."
          label="One-time password"
          value={oneTime.password}
          onDone={() => setOneTime(null)}
        />
      )}
      {!people.data ? (
        <Loading what="people" />
      ) : (
        <ScrollingTable label="People" columns={['Name', 'Login', 'Roles', 'State', 'Actions']}>
          {people.data.map((person) => (
            <tr key={person.id}>
              <td>{person.displayName}</td>
              <td>{person.login}</td>
              <td>{person.siteAdmin ? 'site administrator' : person.projects.map((membership) => `${slugOf(membership.projectId)}: ${membership.role}`).join(', ') || 'none'}</td>
              <td>{person.enabled ? `since ${when(person.createdAt)}` : 'disabled'}</td>
              <td className="actions">
                <button type="button" onClick={() => void act(() => api(`/api/v1/people/${person.id}`, { method: 'PATCH', body: { enabled: !person.enabled } }))}>
                  {person.enabled ? 'Disable' : 'Enable'}
                  <span className="visually-hidden"> {person.login}</span>
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void act(async () =>
                      setOneTime({ login: person.login, password: (await api<{ oneTimePassword: string }>(`/api/v1/people/${person.id}/password`, { method: 'POST' })).oneTimePassword }),
                    )
                  }
                >
                  Reset password<span className="visually-hidden"> of {person.login}</span>
                </button>
              </td>
            </tr>
          ))}
        </ScrollingTable>
      )}
      <AddPerson projects={projects.data ?? []} onAdded={(login, password) => (password && setOneTime({ login, password }), people.reload())} />
    </>
  );
}

function AddPerson({ projects, onAdded }: { projects: Project[]; onAdded: (login: string, password: string | null) => void }) {
  const [login, setLogin] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [project, setProject] = useState('');
  const [role, setRole] = useState<'manager' | 'viewer'>('viewer');
  const [siteAdmin, setSiteAdmin] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      const person = await api<Person & { oneTimePassword?: string }>('/api/v1/people', { method: 'POST', body: { login, displayName: displayName || login, siteAdmin } });
      if (project && !siteAdmin) await api(`/api/v1/people/${person.id}/projects/${project}`, { method: 'PUT', body: { role } });
      onAdded(person.login, person.oneTimePassword ?? null);
      setLogin('');
      setDisplayName('');
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <Section title="Add a person">
      <form className="stack" onSubmit={(event) => void submit(event)}>
        <label>
          Login
          <input required value={login} autoComplete="off" onChange={(event) => setLogin(event.target.value)} />
        </label>
        <label>
          Full name
          <input value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
        </label>
        <label>
          Project
          <select value={project} onChange={(event) => setProject(event.target.value)}>
            <option value="">none yet</option>
            {projects.map((item) => (
              <option key={item.slug} value={item.slug}>
                {item.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Role in that project
          <select value={role} onChange={(event) => setRole(event.target.value as 'manager' | 'viewer')}>
            <option value="viewer">viewer (reads only)</option>
            <option value="manager">manager (devices, sources, forms)</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={siteAdmin} onChange={(event) => setSiteAdmin(event.target.checked)} />
          Site administrator (every project, people and tokens)
        </label>
        <Problem text={problem} />
        <button type="submit">Add person</button>
      </form>
    </Section>
  );
}
