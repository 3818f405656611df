import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Device, DeviceSetup } from '../api';
import { CopyField, counted, Loading, Problem, Section, StatusBadge, ScrollingTable } from '../parts/bits';
import { useAction, useLoad, when } from '../parts/load';
import type { ProjectProps } from '../parts/roles';

type Created = Device & { secret: string; setup: DeviceSetup };

export function DevicesPage({ slug, manage }: ProjectProps) {
  const devices = useLoad(() => api<{ devices: Device[] }>(`/api/v1/projects/${slug}/devices`).then((answer) => answer.devices), [slug]);
  const [created, setCreated] = useState<Created | null>(null);
  const { problem, act } = useAction(devices.reload);
  return (
    <>
      <h1>Devices</h1>
      <Problem text={devices.error ?? problem} />
      {manage && <AddDevice slug={slug} onCreated={(device) => (setCreated(device), devices.reload())} />}
      {created && <DeviceSettings device={created} onClose={() => setCreated(null)} />}
      {!devices.data ? (
        <Loading what="devices" />
      ) : devices.data.length === 0 ? (
        <p>No device yet.</p>
      ) : (
        <ScrollingTable label="Devices" columns={['Name', 'Login', 'Last seen', 'Door', 'Last batch', 'State', ...(manage ? ['Actions'] : [])]}>
          {devices.data.map((device) => (
            <tr key={device.id}>
              <td>{device.name}</td>
              <td>
                <code>{device.login}</code>
              </td>
              <td>{when(device.lastSeenAt)}</td>
              <td>{device.lastDoor ?? '—'}</td>
              <td>
                <StatusBadge status={device.lastBatchStatus} />
              </td>
              <td>
                {device.enabled ? 'enabled' : 'disabled'}
                {(device.wrongSecrets ?? 0) > 0 && <span className="bad block">{counted(device.wrongSecrets!, 'wrong secret')} in the last 15 minutes: it may be locked out</span>}
              </td>
              {manage && (
                <td className="actions">
                  <button
                    type="button"
                    onClick={() => {
                      const name = window.prompt(`New name for ${device.name}`, device.name);
                      if (name && name !== device.name) void act(() => api(`/api/v1/projects/${slug}/devices/${device.id}`, { method: 'PATCH', body: { name } }));
                    }}
                  >
                    Rename<span className="visually-hidden"> {device.name}</span>
                  </button>
                  <button type="button" onClick={() => void act(() => api(`/api/v1/projects/${slug}/devices/${device.id}`, { method: 'PATCH', body: { enabled: !device.enabled } }))}>
                    {device.enabled ? 'Disable' : 'Enable'}
                    <span className="visually-hidden"> {device.name}</span>
                  </button>
                  <button
                    type="button"
                    onClick={() => {
                      if (!window.confirm(`A new secret for ${device.name}: the old one stops working at once. Go on?`)) return;
                      void act(async () => setCreated(await api<Created>(`/api/v1/projects/${slug}/devices/${device.id}/secret`, { method: 'POST' })));
                    }}
                  >
                    Rotate secret<span className="visually-hidden"> of {device.name}</span>
                  </button>
                  {(device.wrongSecrets ?? 0) > 0 && (
                    <button type="button" onClick={() => void act(() => api(`/api/v1/projects/${slug}/devices/${device.id}/lockout`, { method: 'DELETE' }))}>
                      Lift lock-out<span className="visually-hidden"> of {device.name}</span>
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </ScrollingTable>
      )}
    </>
  );
}

function AddDevice({ slug, onCreated }: { slug: string; onCreated: (device: Created) => void }) {
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    try {
      onCreated(await api<Created>(`/api/v1/projects/${slug}/devices`, { method: 'POST', body: { name } }));
      setName('');
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  return (
    <form className="inline" onSubmit={(event) => void submit(event)} aria-label="Add device">
      <label>
        Device name
        <input required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} placeholder="e.g. Ranger 7 handheld" />
      </label>
      <button type="submit">Add device</button>
      <Problem text={problem} />
    </form>
  );
}

/** The settings of a new (or re-keyed) device: the secret is shown here once and never again. */
function DeviceSettings({ device, onClose }: { device: Created; onClose: () => void }) {
  const { setup } = device;
  return (
    <Section title={`Settings for ${device.name}`} actions={<button onClick={onClose}>Done, I have copied them</button>}>
      <p role="status" className="warning">
        This secret is shown only now. Copy it into the device, or rotate the secret later to get a new one.
      </p>
      {setup.addressWarning && (
        <p role="alert" className="warning">
          {setup.addressWarning}
        </p>
      )}
      <CopyField label="Login" value={device.login} />
      <CopyField label="Secret" value={device.secret} />
      <CopyField label="Device URL" value={setup.deviceUrl} />
      <div className="setups">
        <div>
          <h3>ODK Collect / KoBoCollect</h3>
          <p>In Collect: Project settings → Add project → Scan QR code. Or type the server URL.</p>
          {setup.odkCollect.settingsQrSvg && <figure className="qr" aria-label="ODK Collect settings QR code" dangerouslySetInnerHTML={{ __html: setup.odkCollect.settingsQrSvg }} />}
          <CopyField label="ODK server URL" value={setup.odkCollect.serverUrl} />
        </div>
        <div>
          <h3>CyberTracker over HTTP(S)</h3>
          {setup.cyberTracker.http.qrSvg && <figure className="qr" aria-label="CyberTracker HTTP URL QR code" dangerouslySetInnerHTML={{ __html: setup.cyberTracker.http.qrSvg }} />}
          <CopyField label="CyberTracker HTTP URL" value={setup.cyberTracker.http.url} />
        </div>
        <div>
          <h3>CyberTracker over FTP</h3>
          {setup.cyberTracker.ftp.qrSvg && <figure className="qr" aria-label="CyberTracker FTP URL QR code" dangerouslySetInnerHTML={{ __html: setup.cyberTracker.ftp.qrSvg }} />}
          <CopyField label="CyberTracker FTP URL" value={setup.cyberTracker.ftp.url} />
        </div>
        <div>
          <h3>CyberTracker connectors</h3>
          <CopyField label="ODK connector submission URL" value={setup.cyberTracker.odkConnector.submissionUrl} />
          <CopyField label="EarthRanger connector server" value={setup.cyberTracker.earthRangerConnector.server} />
          <CopyField label="EarthRanger connector token" value={setup.cyberTracker.earthRangerConnector.token} />
        </div>
      </div>
    </Section>
  );
}
