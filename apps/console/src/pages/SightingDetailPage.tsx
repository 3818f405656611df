import { api } from '../api';
import type { Attachment, Sighting } from '../api';
import { Loading, Problem, Section } from '../parts/bits';
import { attachmentUrl, FieldValue } from '../parts/field-value';
import { useLoad, when } from '../parts/load';
import { changesBetween } from '../parts/version-changes';
import type { ComparedVersion } from '../parts/version-changes';
import type { ProjectProps } from '../parts/roles';

type Version = ComparedVersion & { seq: number; revision: number; receivedAt: string };

interface Detail {
  sighting: Sighting & { receivedAt: string; updatedAt: string };
  /** Newest first. */
  earlierVersions: (Version & { batchId: string })[];
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value, null, 1) : String(value);
}

/** One sighting: every field, its photos and recordings, and what it was before. */
export function SightingDetailPage({ slug, uid }: ProjectProps & { uid: string }) {
  const detail = useLoad(() => api<Detail>(`/api/v1/projects/${slug}/sightings/${encodeURIComponent(uid)}`), [slug, uid]);
  if (detail.error) return <Problem text={detail.error} />;
  if (!detail.data) return <Loading what="the sighting" />;
  const { sighting, earlierVersions } = detail.data;
  return (
    <>
      <p>
        <a href={`#/projects/${slug}/sightings`}>← All sightings</a>
      </p>
      <h1>
        {sighting.kind} observed {when(sighting.observedAt)}
      </h1>
      <dl className="facts">
        <dt>Identifier</dt>
        <dd>
          <code>{sighting.id}</code>
        </dd>
        <dt>Device id</dt>
        <dd>{sighting.deviceId ?? '—'}</dd>
        <dt>Position</dt>
        <dd>
          {sighting.latitude === null
            ? '—'
            : `${sighting.latitude}, ${sighting.longitude}${sighting.altitude !== null ? `, ${sighting.altitude} m` : ''}${sighting.accuracy !== null ? ` (±${sighting.accuracy} m)` : ''}`}
        </dd>
        <dt>Revision</dt>
        <dd>
          {sighting.revision}
          {sighting.deleted ? ' (deleted)' : ''}
        </dd>
        <dt>Received</dt>
        <dd>{when(sighting.receivedAt)}</dd>
        {Object.entries(sighting.data).map(([field, value]) => (
          <div key={field} className="field">
            <dt>{field}</dt>
            <dd>
              <FieldValue slug={slug} value={value} attachments={sighting.attachments} plain={show} />
            </dd>
          </div>
        ))}
      </dl>
      {sighting.attachments.length > 0 && (
        <Section title="Photos and recordings">
          <ul className="attachments">
            {sighting.attachments.map((attachment) => (
              <li key={attachment.sha256}>
                <AttachmentView slug={slug} attachment={attachment} />
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Section title="Revision history">
        {earlierVersions.length === 0 ? (
          <p>No earlier version: this is the first the server received.</p>
        ) : (
          <table aria-label="Revisions">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">Received</th>
                <th scope="col">What changed</th>
              </tr>
            </thead>
            <tbody>
              {[sighting as Version, ...earlierVersions].map((version, index, versions) => {
                const older = versions[index + 1];
                const changes = older ? changesBetween(older, version) : [];
                return (
                  <tr key={version.seq}>
                    <td>
                      {version.revision}
                      {index === 0 ? ' (current)' : ''}
                    </td>
                    <td>{when(version.receivedAt)}</td>
                    <td>
                      {!older ? (
                        'first received'
                      ) : changes.length === 0 ? (
                        'no field changed'
                      ) : (
                        <ul className="changes">
                          {changes.map((change) => (
                            <li key={change}>{change}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

function AttachmentView({ slug, attachment }: { slug: string; attachment: Attachment }) {
  const url = attachmentUrl(slug, attachment);
  if (attachment.contentType.startsWith('image/'))
    return (
      <figure>
        <a href={url}>
          <img src={url} alt={`Photo ${attachment.name}`} loading="lazy" />
        </a>
        <figcaption>{attachment.name}</figcaption>
      </figure>
    );
  if (attachment.contentType.startsWith('audio/'))
    return (
      <figure>
        <audio controls src={url} aria-label={`Recording ${attachment.name}`} />
        <figcaption>{attachment.name}</figcaption>
      </figure>
    );
  return (
    <a href={url}>
      {attachment.name} ({Math.ceil(attachment.size / 1024)} KB)
    </a>
  );
}
