import { connect, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../support/fieldsync-process.js';
import { curl } from '../support/curl.js';
import { feature, featureCollection } from '../support/geojson.js';
import { run } from '../support/run.js';
import { Cluster } from './harness/cluster.js';
import { allConsolidated } from './harness/reconcile.js';
import { DeviceCredentials, SimulatedDevice } from './harness/simulated-device.js';
import { recordScenario } from './harness/summary.js';

const HEADERS_TIMEOUT_MS = 2000;
const IDLE_TIMEOUT_MS = 3000;
const FTP_SESSIONS_PER_ADDRESS = 20;

/** A raw TCP client that remembers when the server closed it. */
function rawClient(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: Promise<void>; received: () => string }> {
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve({ socket, closed, received: () => received }));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

const basic = (device: DeviceCredentials) => `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`;

/** Slow-drip clients, credential guessing and cross-project access, against every door. */
describe('hostile input: the doors', { timeout: 300_000 }, () => {
  let cluster: Cluster;
  let httpPort: number;
  let ftpPort: number;

  beforeAll(async () => {
    cluster = await Cluster.start({
      gateways: 1,
      ftpIngest: 1,
      consolidators: 1,
      env: {
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        FTP_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        FTP_MAX_SESSIONS_PER_ADDRESS: String(FTP_SESSIONS_PER_ADDRESS),
        FIELDSYNC_SECRET_KEY: 'reliability-secret-key-0123456789abcdef',
        SOURCE_FOLDERS: '/tmp/iso-a-outbox',
      },
    });
    cluster.secrets.add('reliability-secret-key-0123456789abcdef');
    httpPort = cluster.gateways[0].port;
    ftpPort = cluster.ftpIngest[0].ftpPort;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('HTTP: slow-drip headers and stalled bodies are cut off; devices, and a slow but steady upload, get through', async () => {
    const [device] = await cluster.createProject('slow-http', 1);
    const batchesBefore = await cluster.store.count('batch');
    const drippers = await Promise.all(Array.from({ length: 50 }, () => rawClient(httpPort)));
    const timers = drippers.map(({ socket }) => {
      socket.write('POST /upload HTTP/1.1\r\nHost: fieldsync\r\n');
      return setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 300);
    });
    const stallers = await Promise.all(Array.from({ length: 10 }, () => rawClient(httpPort)));
    for (const { socket } of stallers) socket.write(`POST /upload HTTP/1.1\r\nHost: fieldsync\r\nAuthorization: ${basic(device)}\r\nContent-Length: 1000000\r\n\r\n${'{'.repeat(1000)}`);

    // While they hang on: a device uploads, an admin reads, a slow link sends 300 KB at 40 KB/s (longer than both timeouts).
    const slowBody = SimulatedDevice.file(1000, 'slow-link');
    const [normal, admin, slow] = await Promise.all([
      curl(['-u', `${device.login}:${device.secret}`, '--data-binary', '@-', `${cluster.gatewayUrls()[0]}/upload`], featureCollection([feature()])),
      cluster.admin.call('GET', '/api/v1/projects'),
      curl(['-u', `${device.login}:${device.secret}`, '--limit-rate', '40k', '--data-binary', '@-', `${cluster.gatewayUrls()[0]}/upload`], slowBody.body),
    ]);
    expect([normal.status, admin.status, slow.status]).toEqual([202, 200, 202]);

    const cutOff = await Promise.all([...drippers, ...stallers].map(({ closed }) => Promise.race([closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))])));
    timers.forEach(clearInterval);
    expect(cutOff.filter(Boolean).length).toBe(60);
    expect(drippers[0].received()).toMatch(/^HTTP\/1.1 408/);
    // The stalled bodies stored nothing: only the two real uploads made batches.
    expect(await cluster.store.count('batch')).toBe(batchesBefore + 2);
    recordScenario('slowloris HTTP (50 drip + 10 stall)', { hostileTried: 60, hostileRefused: cutOff.filter(Boolean).length });
  });

  it('FTP: idle and stalled sessions are closed, one address cannot take every session, a slow steady STOR completes', async () => {
    const [device] = await cluster.createProject('slow-ftp', 1);
    const batchesBefore = await cluster.store.count('batch');
    // One address holds its share of sessions, kept busy with NOOPs.
    const hogs = await Promise.all(Array.from({ length: FTP_SESSIONS_PER_ADDRESS }, () => rawClient(ftpPort, '127.0.0.5')));
    const timers = hogs.map(({ socket }) => setInterval(() => socket.writable && socket.write('NOOP\r\n'), 500));
    const extra = await rawClient(ftpPort, '127.0.0.5');
    await extra.closed;
    expect(extra.received()).toMatch(/^421 /m);

    // An idle session, and a STOR that sends 1 KB and stalls: both closed; nothing stored.
    const stalled = run('/usr/bin/python3', [
      '-c',
      `
import ftplib, socket, sys, time
ftp = ftplib.FTP(); ftp.connect('127.0.0.1', int(sys.argv[1]), source_address=('127.0.0.7', 0)); ftp.login(sys.argv[2], sys.argv[3])
data = ftp.transfercmd('STOR stalled.geojson'); data.sendall(b'{"type":"FeatureCollection","features":[' + b' ' * 1024)
time.sleep(${(IDLE_TIMEOUT_MS * 2) / 1000})
ftp.sock.settimeout(5)
said = b''
try:
    while True:
        chunk = ftp.sock.recv(1024)
        if not chunk:
            print('control-closed', said.decode(errors='replace').strip()); break
        said += chunk
except ConnectionResetError:
    print('control-closed', said.decode(errors='replace').strip())
except socket.timeout:
    print('control-open', said.decode(errors='replace').strip())
`,
      String(ftpPort),
      device.login,
      device.secret,
    ]);
    const idle = rawClient(ftpPort, '127.0.0.8').then((client) => client.closed);
    // A device on another address uploads 200 KB at 30 KB/s: longer than the idle timeout, still not cut off.
    const slow = SimulatedDevice.file(600, 'slow-ftp');
    const steady = curl(['--interface', '127.0.0.6', '--limit-rate', '30k', '-T', '-', '--user', `${device.login}:${device.secret}`, `ftp://127.0.0.1:${ftpPort}/steady.geojson`], slow.body);

    const [stalledResult, , steadyResult] = await Promise.all([stalled, idle, steady]);
    timers.forEach(clearInterval);
    hogs.forEach(({ socket }) => socket.destroy());
    expect(stalledResult.stdout.trim()).toMatch(/^control-closed/);
    expect([steadyResult.exitCode, steadyResult.status]).toEqual([0, 226]);
    expect(await cluster.store.count('batch')).toBe(batchesBefore + 1);
    recordScenario('slowloris FTP (hogs, idle, stalled STOR)', { hostileTried: 3, hostileRefused: 3 });
  });

  it('credential guessing is refused after 10 tries per address and login, on HTTP, FTP and the admin API', async () => {
    const [victim, bystander, ftpVictim] = await cluster.createProject('guessing', 3);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await curl(['--interface', '127.0.0.66', '-u', `${victim.login}:guess-${i}`, '--data-binary', '{}', `${cluster.gatewayUrls()[0]}/upload`])).status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    expect((await curl(['--interface', '127.0.0.66', '-u', `${victim.login}:${victim.secret}`, '--data-binary', '{}', `${cluster.gatewayUrls()[0]}/upload`])).status).toBe(429);
    expect((await curl(['-u', `${bystander.login}:${bystander.secret}`, '--data-binary', '@-', `${cluster.gatewayUrls()[0]}/upload`], featureCollection([feature()]))).status).toBe(202);

    // FTP: guesses in parallel (the growing delay alone would not stop that), then the count closes the door.
    // Each wrong guess is answered 530 after a growing delay, or 421 once the delay outlasts this server's short idle timeout.
    const guesses = await Promise.all(Array.from({ length: 10 }, (_, i) => curl(['--interface', '127.0.0.67', '--user', `${ftpVictim.login}:guess-${i}`, `ftp://127.0.0.1:${ftpPort}/`])));
    expect(guesses.filter((g) => g.status !== 530 && g.status !== 421)).toEqual([]);
    const afterGuessing = await curl(['--interface', '127.0.0.67', '--user', `${ftpVictim.login}:${ftpVictim.secret}`, `ftp://127.0.0.1:${ftpPort}/`]);
    expect(afterGuessing.status).not.toBe(226);
    expect(afterGuessing.exitCode).not.toBe(0);

    const admin: number[] = [];
    for (let i = 0; i < 12; i++)
      admin.push((await curl(['--interface', '127.0.0.68', '-H', `Authorization: Bearer wrong-token-${i}-0123456789`, `${cluster.gatewayUrls()[0]}/api/v1/projects`])).status);
    expect(admin).toEqual([...Array(10).fill(401), 429, 429]);
    // Only the guesses wait: the valid token from the same address (an office behind one NAT) passes.
    expect((await curl(['--interface', '127.0.0.68', '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, `${cluster.gatewayUrls()[0]}/api/v1/projects`])).status).toBe(200);
    expect((await cluster.admin.call('GET', '/api/v1/projects')).status).toBe(200);
    recordScenario('credential guessing (HTTP, FTP, admin)', { hostileTried: 36, hostileRefused: 36 });
  });

  it("isolation matrix: project B's device and token reach nothing of project A through any endpoint or FTP path", async () => {
    const [deviceA] = await cluster.createProject('iso-a', 1);
    const [deviceB] = await cluster.createProject('iso-b', 1);
    const admin = cluster.admin;
    const tokenB = (await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'b only', role: 'admin', projects: ['iso-b'] })).token as string;
    cluster.secrets.add(tokenB);
    const sourceA = await admin.expect(201, 'POST', '/api/v1/projects/iso-a/sources', { url: '/tmp/iso-a-outbox', username: 'a', password: 'a-source-password', everyMinutes: 60 });
    cluster.secrets.add('a-source-password');
    const upload = await curl(
      ['-u', `${deviceA.login}:${deviceA.secret}`, '-H', 'X-File-Name: a-secret-file.geojson', '--data-binary', '@-', `${cluster.gatewayUrls()[0]}/upload`],
      featureCollection([feature({ species: 'Pangolin-of-A' })]),
    );
    const batchA = upload.body.batches[0].id as string;
    await admin.settled(batchA);
    await curl(['-T', '-', '--user', `${deviceA.login}:${deviceA.secret}`, `ftp://127.0.0.1:${ftpPort}/a-ftp-file.geojson`], featureCollection([feature({ species: 'Pangolin-of-A' })]));
    const deviceAId = (await admin.expect(200, 'GET', '/api/v1/projects/iso-a/devices')).devices[0].id as string;
    const secretsOfA = ['Pangolin-of-A', 'a-secret-file', 'a-ftp-file', batchA, deviceAId, sourceA.id, deviceA.login];
    const stateOfA = async () => ({
      sightings: await cluster.store.count('sighting s JOIN project p ON p.id = s.project_id', "p.slug = 'iso-a'"),
      devices: JSON.stringify((await admin.expect(200, 'GET', '/api/v1/projects/iso-a/devices')).devices),
      sources: (await admin.expect(200, 'GET', '/api/v1/projects/iso-a/sources')).sources.length,
    });
    await allConsolidated(cluster.store);
    const before = await stateOfA();

    // Every route the API documents, with A's identifiers, as B's token, B's device and nobody.
    const spec = await admin.expect(200, 'GET', '/api/docs-json');
    const params: Record<string, string> = { slug: 'iso-a', id: batchA, deviceId: deviceAId, sha256: 'a'.repeat(64) };
    const bodies: Record<string, unknown> = {
      '/api/v1/projects': { slug: 'iso-a', name: 'taken over' },
      '/api/v1/tokens': { name: 'escalate', role: 'admin', projects: ['iso-a'] },
      '/api/v1/projects/{slug}/devices': { name: 'planted' },
      '/api/v1/projects/{slug}/devices/{deviceId}': { enabled: false },
      '/api/v1/projects/{slug}/sources': { url: '/tmp/x', everyMinutes: 5 },
    };
    const callers = { 'B token': `Bearer ${tokenB}`, 'B device': basic(deviceB), nobody: '' };
    const leaks: string[] = [];
    let tried = 0;
    for (const [template, methods] of Object.entries<Record<string, unknown>>(spec.paths)) {
      for (const method of Object.keys(methods)) {
        // The device doors act in the calling device's own project whatever their path names (a file
        // name, a form): they are tried against A's project just below.
        if ((methods[method] as { tags?: string[] }).tags?.includes('devices')) continue;
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name === 'id' && template.includes('sources') ? 'sourceId' : name] ?? sourceA.id);
        for (const [caller, authorization] of Object.entries(callers)) {
          tried++;
          const body = bodies[template];
          const answer = await fetch(`${cluster.gatewayUrls()[0]}${path}`, {
            method: method.toUpperCase(),
            headers: { ...(authorization ? { authorization } : {}), ...(body && method !== 'get' ? { 'content-type': 'application/json' } : {}) },
            body: body && method !== 'get' ? JSON.stringify(body) : undefined,
          });
          const text = await answer.text();
          // An error may repeat what the caller sent (the id in the path), nothing else of A's.
          const mentioned = secretsOfA.filter((secret) => text.includes(secret) && !path.includes(secret));
          if (answer.ok && (template.includes('{') || mentioned.length > 0)) leaks.push(`${caller} ${method.toUpperCase()} ${path} → ${answer.status} ${mentioned.join(',')}`);
          if (!answer.ok && mentioned.length > 0) leaks.push(`${caller} ${method.toUpperCase()} ${path} → ${answer.status} error mentions ${mentioned.join(',')}`);
          // Nor may the answer tell that A's thing exists: it must be the answer for an id that exists nowhere.
          if (template.includes('{') && !answer.ok) {
            const nowhere = template.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'slug' ? 'no-such-project' : name === 'sha256' ? 'b'.repeat(64) : '00000000-0000-4000-8000-000000000000'));
            const control = await fetch(`${cluster.gatewayUrls()[0]}${nowhere}`, {
              method: method.toUpperCase(),
              headers: { ...(authorization ? { authorization } : {}), ...(body && method !== 'get' ? { 'content-type': 'application/json' } : {}) },
              body: body && method !== 'get' ? JSON.stringify(body) : undefined,
            });
            await control.text();
            // 401 and 429 are both answered by the guard before anything is looked up; which one comes
            // depends on how many wrong credentials this address sent before (the GIS routes count a
            // wrong Basic password as a wrong token), not on what exists.
            const refusedUnread = (status: number) => status === 401 || status === 429;
            if (control.status !== answer.status && !(refusedUnread(control.status) && refusedUnread(answer.status)))
              leaks.push(`${caller} ${method.toUpperCase()} ${path} → ${answer.status}, but ${control.status} for one that does not exist`);
          }
        }
      }
    }
    // The device doors: B's device naming project A, and every FTP path that might lead out of its own space.
    const crossUpload = await curl(['-u', `${deviceB.login}:${deviceB.secret}`, '--data-binary', '@-', `${cluster.gatewayUrls()[0]}/upload?project=iso-a`], featureCollection([feature()]));
    if (crossUpload.status !== 403) leaks.push(`B device upload ?project=iso-a → ${crossUpload.status}`);
    const listing = await run('lftp', [
      '-u',
      `${deviceB.login},${deviceB.secret}`,
      '-p',
      String(ftpPort),
      '-e',
      'set ftp:ssl-allow no; set net:max-retries 1; cls -la /; cls -la ..; cls -la /../; cls -la ../iso-a; cls -la /iso-a; cls -la ../../; cd ..; cls -la; bye',
      '127.0.0.1',
    ]);
    for (const secret of secretsOfA) if (`${listing.stdout}${listing.stderr}`.includes(secret)) leaks.push(`FTP as B lists ${secret}`);
    const fetchA = await curl(['--user', `${deviceB.login}:${deviceB.secret}`, `ftp://127.0.0.1:${ftpPort}/a-ftp-file.geojson`]);
    if (fetchA.exitCode === 0) leaks.push("FTP as B downloads A's file");
    tried += 2;

    expect(leaks).toEqual([]);
    expect(await stateOfA()).toEqual(before);
    expect(cluster.leakedSecrets()).toEqual([]);
    recordScenario('isolation matrix (every route × 3 callers + FTP)', { hostileTried: tried, hostileRefused: tried - leaks.length });
  });
});
