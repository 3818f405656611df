import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import { Loading, Problem, Section } from '../parts/bits';
import { useLoad, when } from '../parts/load';
import type { ProjectProps } from '../parts/roles';

interface Form {
  xmlFormId: string;
  version: string;
  name: string;
  createdAt: string;
  media: { name: string; size: number }[];
  versions: { version: string; createdAt: string }[];
}

/** Blank forms for ODK Collect and KoBoCollect: the newest version of each is what devices download. */
export function FormsPage({ slug, manage }: ProjectProps) {
  const forms = useLoad(() => api<{ forms: Form[] }>(`/api/v1/projects/${slug}/forms`).then((answer) => answer.forms), [slug]);
  const [problem, setProblem] = useState<string | null>(null);
  const upload = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const chooser = event.currentTarget;
    // Read from the field at sending time: choosing the same file again, edited, fires no change.
    const file = (chooser.elements.namedItem('xform') as HTMLInputElement).files?.[0];
    if (!file) return;
    setProblem(null);
    try {
      await api(`/api/v1/projects/${slug}/forms`, { method: 'POST', raw: file, contentType: 'application/xml' });
      chooser.reset();
      forms.reload();
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <>
      <h1>Forms</h1>
      <Problem text={forms.error} />
      {!forms.data ? (
        <Loading what="forms" />
      ) : forms.data.length === 0 ? (
        <p>No form yet. ODK Collect shows the forms listed here.</p>
      ) : (
        <table aria-label="Forms">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Form id</th>
              <th scope="col">Version devices get</th>
              <th scope="col">Added</th>
              <th scope="col">Media files</th>
              <th scope="col">All versions</th>
            </tr>
          </thead>
          <tbody>
            {forms.data.map((form) => (
              <tr key={`${form.xmlFormId}-${form.version}`}>
                <td>{form.name}</td>
                <td>
                  <code>{form.xmlFormId}</code>
                </td>
                <td>{form.version}</td>
                <td>{when(form.createdAt)}</td>
                <td>{form.media.map((media) => media.name).join(', ') || '—'}</td>
                <td>{form.versions.map((version) => `${version.version} (${when(version.createdAt)})`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <Section title="Upload a blank form">
          <form className="stack" onSubmit={(event) => void upload(event)}>
            <label>
              XForm file (.xml; convert an XLSForm with pyxform first)
              <input name="xform" type="file" accept=".xml,application/xml,text/xml" required />
            </label>
            <Problem text={problem} />
            <button type="submit">Upload form</button>
          </form>
        </Section>
      )}
    </>
  );
}
