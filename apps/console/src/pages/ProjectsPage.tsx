import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Me, Overview, Project } from '../api';
import { Loading, Problem, Section, UploadsChart } from '../parts/bits';
import { useLoad, when } from '../parts/load';
import { go } from '../router';

export function ProjectsPage({ me }: { me: Me }) {
  const projects = useLoad(async () => {
    const { projects } = await api<{ projects: Project[] }>('/api/v1/projects');
    return Promise.all(projects.map((project) => api<Overview>(`/api/v1/projects/${project.slug}/overview`)));
  }, []);
  return (
    <>
      <h1>Projects</h1>
      <Problem text={projects.error} />
      {!projects.data ? (
        <Loading what="projects" />
      ) : projects.data.length === 0 ? (
        <p>No project yet.{me.person.siteAdmin ? ' Create the first one below.' : ' Ask a site administrator to add you to one.'}</p>
      ) : (
        <ul className="cards">
          {projects.data.map((project) => (
            <li key={project.slug} className="card">
              <h2>
                <a href={`#/projects/${project.slug}`}>{project.name}</a>
              </h2>
              <p className="muted">{project.slug}</p>
              <dl className="counts">
                <div>
                  <dt>Sightings</dt>
                  <dd>{project.sightings.toLocaleString()}</dd>
                </div>
                <div>
                  <dt>Devices</dt>
                  <dd>{project.devices}</dd>
                </div>
                <div>
                  <dt>Waiting</dt>
                  <dd>{project.waiting}</dd>
                </div>
                <div>
                  <dt>Failed</dt>
                  <dd className={project.failed > 0 ? 'bad' : undefined}>{project.failed}</dd>
                </div>
              </dl>
              <p>Last upload: {when(project.lastUploadAt)}</p>
              <UploadsChart days={project.uploadsPerDay} />
            </li>
          ))}
        </ul>
      )}
      {me.person.siteAdmin && <CreateProject onCreated={(slug) => go(`/projects/${slug}`)} />}
    </>
  );
}

function CreateProject({ onCreated }: { onCreated: (slug: string) => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      const project = await api<Project>('/api/v1/projects', { method: 'POST', body: { name, slug } });
      onCreated(project.slug);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <Section title="Create a project">
      <form onSubmit={(event) => void submit(event)} className="stack">
        <label>
          Project name
          <input
            required
            maxLength={200}
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              setSlug(
                event.target.value
                  .toLowerCase()
                  .normalize('NFKD')
                  .replace(/[^a-z0-9]+/g, '-')
                  .replace(/^-+|-+$/g, '')
                  .slice(0, 64),
              );
            }}
          />
        </label>
        <label>
          Short name in addresses (slug)
          <input required pattern="[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?" value={slug} onChange={(event) => setSlug(event.target.value)} />
        </label>
        <Problem text={problem} />
        <button type="submit">Create project</button>
      </form>
    </Section>
  );
}
