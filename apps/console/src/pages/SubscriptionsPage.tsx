import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import { Loading, Problem, Section, ShownOnce, ScrollingTable } from '../parts/bits';
import { useAction, useLoad, when } from '../parts/load';
import type { ProjectProps } from '../parts/roles';

interface Subscription {
  id: string;
  name: string;
  url: string;
  format: string;
  kind: string | null;
  deviceId: string | null;
  cursor: number;
  state: 'ok' | 'retrying' | 'failing' | 'disabled';
  enabled: boolean;
  lastDeliveredAt: string | null;
  lastError: string | null;
}

const STATE_WORDS = { ok: 'delivering', retrying: 'retrying', failing: 'failing', disabled: 'paused' };

/** Where the project's sightings are pushed by themselves, in feed order, each once. */
export function SubscriptionsPage({ slug, manage }: ProjectProps) {
  const subscriptions = useLoad(() => api<{ subscriptions: Subscription[] }>(`/api/v1/projects/${slug}/subscriptions`).then((answer) => answer.subscriptions), [slug]);
  const { problem, act } = useAction(subscriptions.reload);
  const [made, setMade] = useState<{ name: string; secret: string } | null>(null);
  const path = (id: string) => `/api/v1/projects/${slug}/subscriptions/${id}`;
  return (
    <>
      <h1>Subscriptions</h1>
      <p className="muted">FieldSync POSTs each new or changed sighting to these addresses, signed, in order, and tries again until the receiver takes it.</p>
      <Problem text={subscriptions.error ?? problem} />
      {made && (
        <ShownOnce
          title={`Signing secret for ${made.name}`}
          note="Shown only now. The receiver checks X-FieldSync-Signature with it (see the README)."
          label="Signing secret"
          value={made.secret}
          onDone={() => setMade(null)}
        />
      )}
      {!subscriptions.data ? (
        <Loading what="subscriptions" />
      ) : subscriptions.data.length === 0 ? (
        <p>No subscription yet.</p>
      ) : (
        <ScrollingTable label="Subscriptions" columns={['Name', 'Address', 'State', 'Delivered up to', 'Last delivery', 'Last error', ...(manage ? ['Actions'] : [])]}>
          {subscriptions.data.map((subscription) => (
            <tr key={subscription.id}>
              <td>{subscription.name}</td>
              <td>
                <code className="wrap">{subscription.url}</code>
              </td>
              <td>
                <span className={`badge badge-${subscription.state === 'failing' ? 'failed' : subscription.state === 'ok' ? 'consolidated' : 'received'}`}>{STATE_WORDS[subscription.state]}</span>
              </td>
              <td>seq {subscription.cursor}</td>
              <td>{when(subscription.lastDeliveredAt)}</td>
              <td className={subscription.lastError ? 'bad' : undefined}>{subscription.lastError ?? '—'}</td>
              {manage && (
                <td className="actions">
                  <button type="button" onClick={() => void act(() => api(path(subscription.id), { method: 'PATCH', body: { enabled: !subscription.enabled } }))}>
                    {subscription.enabled ? 'Pause' : 'Resume'}
                    <span className="visually-hidden"> {subscription.name}</span>
                  </button>
                  <button type="button" onClick={() => window.confirm(`Stop delivering to ${subscription.url}?`) && void act(() => api(path(subscription.id), { method: 'DELETE' }))}>
                    Delete<span className="visually-hidden"> {subscription.name}</span>
                  </button>
                </td>
              )}
            </tr>
          ))}
        </ScrollingTable>
      )}
      {manage && <AddSubscription slug={slug} onMade={(name, secret) => (setMade({ name, secret }), subscriptions.reload())} />}
    </>
  );
}

function AddSubscription({ slug, onMade }: { slug: string; onMade: (name: string, secret: string) => void }) {
  const [fields, setFields] = useState({ name: '', url: '', format: 'sighting', kind: '', deviceId: '', startAt: 'beginning' });
  const { problem, act } = useAction();
  const set = (key: keyof typeof fields, value: string) => setFields((previous) => ({ ...previous, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const { kind, deviceId, ...rest } = fields;
      const made = await api<{ name: string; secret: string }>(`/api/v1/projects/${slug}/subscriptions`, {
        method: 'POST',
        body: { ...rest, ...(kind ? { kind } : {}), ...(deviceId ? { deviceId } : {}) },
      });
      onMade(made.name, made.secret);
    });
  };
  return (
    <Section title="Add a subscription">
      <form className="stack" onSubmit={submit}>
        <label>
          Name
          <input required maxLength={200} value={fields.name} onChange={(event) => set('name', event.target.value)} placeholder="EarthRanger bridge" />
        </label>
        <label>
          Address (https://…)
          <input required type="url" value={fields.url} onChange={(event) => set('url', event.target.value)} />
        </label>
        <label>
          Body
          <select value={fields.format} onChange={(event) => set('format', event.target.value)}>
            <option value="sighting">FieldSync sightings (JSON)</option>
            <option value="earthranger">EarthRanger events</option>
          </select>
        </label>
        <label>
          Only this kind
          <select value={fields.kind} onChange={(event) => set('kind', event.target.value)}>
            <option value="">every kind</option>
            <option value="sighting">sighting</option>
            <option value="waypoint">waypoint</option>
            <option value="alert">alert</option>
          </select>
        </label>
        <label>
          Only this device id
          <input value={fields.deviceId} onChange={(event) => set('deviceId', event.target.value)} />
        </label>
        <label>
          Start with
          <select value={fields.startAt} onChange={(event) => set('startAt', event.target.value)}>
            <option value="beginning">everything the project holds</option>
            <option value="now">only what arrives from now on</option>
          </select>
        </label>
        <Problem text={problem} />
        <button type="submit">Add subscription</button>
      </form>
    </Section>
  );
}
