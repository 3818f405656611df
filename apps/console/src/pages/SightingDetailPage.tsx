import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Attachment, Sighting, SightingComment } from '../api';
import { Loading, Problem, Section } from '../parts/bits';
import { ReviewActions, ReviewBadge } from '../parts/review';
import { attachmentUrl, FieldValue } from '../parts/field-value';
import { useLoad, when } from '../parts/load';
import { changesBetween } from '../parts/version-changes';
import type { ComparedVersion } from '../parts/version-changes';
import type { ProjectProps } from '../parts/roles';

type Version = ComparedVersion & { seq: number; revision: number; receivedAt: string; changedBy: string | null; changeReason: string | null };

interface Detail {
  sighting: Sighting & { receivedAt: string; updatedAt: string; changedBy: string | null; changeReason: string | null };
  /** Newest first. */
  earlierVersions: (Version & { batchId: string })[];
  comments: SightingComment[];
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value, null, 1) : String(value);
}

/** One sighting: every field, its photos and recordings, and what it was before. */
export function SightingDetailPage({ slug, uid, manage }: ProjectProps & { uid: string }) {
  const detail = useLoad(() => api<Detail>(`/api/v1/projects/${slug}/sightings/${encodeURIComponent(uid)}`), [slug, uid]);
  if (detail.error) return <Problem text={detail.error} />;
  if (!detail.data) return <Loading what="the sighting" />;
  const { sighting, earlierVersions, comments } = detail.data;
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
        <dt>Review</dt>
        <dd>
          <ReviewBadge state={sighting.reviewState} />
        </dd>
        <dt>Received</dt>
        <dd>{when(sighting.receivedAt)}</dd>
        {sighting.changedBy && (
          <>
            <dt>Corrected by</dt>
            <dd>
              {sighting.changedBy}: {sighting.changeReason}
            </dd>
          </>
        )}
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
      {manage && <ReviewActions slug={slug} ids={[sighting.id]} label="Review this sighting" onDone={detail.reload} />}
      <Section title="Comments">
        {comments.length === 0 ? (
          <p>No comment yet.</p>
        ) : (
          <ul className="comments" aria-label="Comments">
            {comments.map((comment) => (
              <li key={comment.id}>
                <strong>{comment.author}</strong>, {when(comment.createdAt)}: {comment.text}
              </li>
            ))}
          </ul>
        )}
        {manage && <CommentForm slug={slug} uid={sighting.id} onDone={detail.reload} />}
      </Section>
      {manage && !sighting.deleted && <CorrectionForm key={sighting.seq} slug={slug} sighting={sighting} onDone={detail.reload} />}
      <Section title="Revision history">
        {earlierVersions.length === 0 ? (
          <p>No earlier version: this is the first the server received.</p>
        ) : (
          <table aria-label="Revisions">
            <thead>
              <tr>
                <th scope="col">Revision</th>
                <th scope="col">Received</th>
                <th scope="col">By</th>
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
                    <td>{version.changedBy ? `${version.changedBy} (correction: ${version.changeReason ?? ''})` : 'the device'}</td>
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

function CommentForm({ slug, uid, onDone }: { slug: string; uid: string; onDone: () => void }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      await api(`/api/v1/projects/${slug}/sightings/${encodeURIComponent(uid)}/comments`, { method: 'POST', body: { text } });
      setText('');
      onDone();
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} className="inline-form">
      <label>
        New comment
        <textarea value={text} onChange={(event) => setText(event.target.value)} required maxLength={4000} rows={2} />
      </label>
      <button type="submit">Add comment</button>
      <Problem text={problem} />
    </form>
  );
}

/** A field's value as typed back into the type it had: numbers stay numbers, true/false booleans. */
function typedLike(original: unknown, text: string): unknown {
  if (typeof original === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof original === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/**
 * A correction: the fields, place and time as the manager edits them, and why. Only what changed
 * is sent; the server keeps the rest, and the device's version stays in the history.
 */
function CorrectionForm({ slug, sighting, onDone }: { slug: string; sighting: Detail['sighting']; onDone: () => void }) {
  const editable = Object.entries(sighting.data).filter(([, value]) => value === null || ['string', 'number', 'boolean'].includes(typeof value));
  const initial = () => ({
    fields: Object.fromEntries(editable.map(([field, value]) => [field, value === null ? '' : String(value)])),
    latitude: sighting.latitude === null ? '' : String(sighting.latitude),
    longitude: sighting.longitude === null ? '' : String(sighting.longitude),
    observedAt: sighting.observedAt ?? '',
    reason: '',
  });
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    const data = Object.fromEntries(
      editable.filter(([field, value]) => draft.fields[field] !== (value === null ? '' : String(value))).map(([field, value]) => [field, typedLike(value, draft.fields[field] ?? '')]),
    );
    const place = (text: string, was: number | null) => (text === (was === null ? '' : String(was)) ? undefined : text === '' ? null : Number(text));
    try {
      await api(`/api/v1/projects/${slug}/sightings/${encodeURIComponent(sighting.id)}`, {
        method: 'PATCH',
        body: {
          data,
          latitude: place(draft.latitude, sighting.latitude),
          longitude: place(draft.longitude, sighting.longitude),
          observedAt: draft.observedAt === (sighting.observedAt ?? '') ? undefined : draft.observedAt || null,
          reason: draft.reason,
        },
      });
      onDone();
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <Section title="Correct this sighting">
      <form onSubmit={(event) => void submit(event)} className="correction">
        {editable.map(([field]) => (
          <label key={field}>
            {field}
            <input value={draft.fields[field] ?? ''} onChange={(event) => setDraft((previous) => ({ ...previous, fields: { ...previous.fields, [field]: event.target.value } }))} />
          </label>
        ))}
        <label>
          Latitude
          <input inputMode="decimal" value={draft.latitude} onChange={(event) => setDraft((previous) => ({ ...previous, latitude: event.target.value }))} />
        </label>
        <label>
          Longitude
          <input inputMode="decimal" value={draft.longitude} onChange={(event) => setDraft((previous) => ({ ...previous, longitude: event.target.value }))} />
        </label>
        <label>
          Observed at (ISO-8601)
          <input value={draft.observedAt} onChange={(event) => setDraft((previous) => ({ ...previous, observedAt: event.target.value }))} />
        </label>
        <label>
          Reason for the correction
          <input value={draft.reason} required maxLength={1000} onChange={(event) => setDraft((previous) => ({ ...previous, reason: event.target.value }))} />
        </label>
        <button type="submit">Save correction</button>
        <Problem text={problem} />
      </form>
    </Section>
  );
}
