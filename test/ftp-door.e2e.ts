import { execFileSync } from 'node:child_process';
import { connect, Socket } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, ftpUploadKilledMidway } from './support/curl.js';
import { StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { run } from './support/run.js';
import { fieldSyncSuite } from './support/suite.js';

const CTX = 'test/fixtures/cybertracker/Market_Research_Smiley_Interface.CTX';

describe.each<StoreKind>(['sqlite', 'postgres'])('the FTP door on %s', (kind) => {
  // A certificate for FTPS (and so HTTPS), made while the suite is collected: the server starts with it.
  const work = mkdtempSync(join(tmpdir(), 'fieldsync-ftp-'));
  const cert = join(work, 'cert.pem');
  const key = join(work, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  const suite = fieldSyncSuite(kind, { env: { TLS_CERT: cert, TLS_KEY: key, FTP_MAX_SESSIONS_PER_ADDRESS: '80', FTP_MAX_UNAUTHENTICATED_PER_ADDRESS: '80' } });
  let ftp: string;

  beforeAll(() => {
    ftp = `ftp://127.0.0.1:${suite.server.ftpPort}`;
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  // The gateway speaks HTTPS here (TLS_CERT is set for FTPS), so admin calls go through curl --cacert.
  /** An admin POST over HTTPS, as a script on the server would make it. */
  function adminPost(path: string, body: unknown) {
    return curl([
      '--cacert',
      cert,
      '-H',
      'Authorization: Bearer e2e-admin-token-0123456789abcdef',
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(body),
      `https://127.0.0.1:${suite.server.port}${path}`,
    ]);
  }

  async function newDevice(slug: string) {
    const created = await adminPost('/api/v1/projects', { slug, name: slug });
    expect([201, 409]).toContain(created.status);
    const device = await adminPost(`/api/v1/projects/${slug}/devices`, { name: 'ftp handheld' });
    expect(device.status).toBe(201);
    return device.body as { id: string; login: string; secret: string };
  }

  async function adminGet(path: string) {
    const answer = await curl(['--cacert', cert, '-H', 'Authorization: Bearer e2e-admin-token-0123456789abcdef', `https://127.0.0.1:${suite.server.port}${path}`]);
    expect(answer.status, path).toBe(200);
    return answer.body;
  }

  async function batchesOf(slug: string, expected: number, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { batches } = await adminGet(`/api/v1/projects/${slug}/batches?limit=1000`);
      const settled = batches.filter((batch: any) => !['received', 'processing'].includes(batch.status));
      if ((batches.length >= expected && settled.length === batches.length) || Date.now() > deadline) return batches;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function sightingIds(slug: string): Promise<string[]> {
    const text = (
      await curl(['--cacert', cert, '-H', 'Authorization: Bearer e2e-admin-token-0123456789abcdef', `https://127.0.0.1:${suite.server.port}/api/v1/projects/${slug}/sightings?format=ndjson`])
    ).body;
    return String(text)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).id);
  }

  function geojsonFile(name: string, count = 2): { path: string; ids: string[] } {
    const features = Array.from({ length: count }, () => feature());
    const path = join(work, name);
    writeFileSync(path, featureCollection(features));
    return { path, ids: features.map((f) => f.properties.id.slice(1, -1).toLowerCase()) };
  }

  it('takes a CTX and a GeoJSON file from curl -T, plain and with --ssl-reqd', async () => {
    const device = await newDevice('curl');
    const geo = geojsonFile('curl.geojson');
    const plain = await run('curl', ['-sS', '-T', CTX, '--user', `${device.login}:${device.secret}`, `${ftp}/CTData/`]);
    expect(plain.status, plain.stderr).toBe(0);
    const secure = await run('curl', ['-sS', '--ssl-reqd', '--cacert', cert, '-T', geo.path, '--user', `${device.login}:${device.secret}`, `${ftp}/CTData/`]);
    expect(secure.status, secure.stderr).toBe(0);
    const batches = await batchesOf('curl', 2);
    expect(batches.map((b: any) => [b.fileName, b.status, b.format]).sort()).toEqual([
      ['CTData/Market_Research_Smiley_Interface.CTX', 'consolidated', 'cybertracker-ctx'],
      ['CTData/curl.geojson', 'consolidated', 'cybertracker-geojson'],
    ]);
    const ids = await sightingIds('curl');
    expect(ids).toHaveLength(13 + 2);
    for (const id of geo.ids) expect(ids).toContain(id);
  });

  it('takes files from lftp mput and mirror -R (over TLS), and lists them back', async () => {
    const device = await newDevice('lftp');
    const outbox = join(work, 'outbox');
    mkdirSync(join(outbox, 'day1'), { recursive: true });
    const a = geojsonFile('outbox/a.geojson');
    const b = geojsonFile('outbox/day1/b.geojson');
    writeFileSync(join(outbox, 'day1', 'c.CTX'), readFileSync(CTX));
    const script = [
      `set ssl:ca-file ${cert}; set ftp:ssl-force true; set ftp:ssl-protect-data true; set net:max-retries 2; set net:timeout 10`,
      `open -u ${device.login},${device.secret} ${ftp}`,
      `mput -O CTData ${a.path}`,
      `mirror -R ${join(outbox, 'day1')} CTData/day1`,
      'cls -l CTData/',
    ].join('\n');
    const result = await run('lftp', ['-c', script]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('a.geojson');
    const batches = await batchesOf('lftp', 3);
    expect(batches.map((batch: any) => batch.fileName).sort()).toEqual(['CTData/a.geojson', 'CTData/day1/b.geojson', 'CTData/day1/c.CTX']);
    expect(batches.every((batch: any) => batch.status === 'consolidated')).toBe(true);
    const ids = await sightingIds('lftp');
    for (const id of [...a.ids, ...b.ids]) expect(ids).toContain(id);
    expect(ids).toHaveLength(2 + 2 + 13);
  });

  it("takes files from Python's ftplib, FTP and FTP_TLS", async () => {
    const device = await newDevice('ftplib');
    const geo = geojsonFile('py.geojson');
    const script = `
import ftplib, ssl, sys
login, secret, port, cert, geo, ctx = sys.argv[1:7]
plain = ftplib.FTP()
plain.connect('127.0.0.1', int(port), timeout=30)
plain.login(login, secret)
plain.cwd('CTData')
with open(geo, 'rb') as f: print(plain.storbinary('STOR py.geojson', f))
print(plain.nlst())
plain.quit()
secure = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=cert))
secure.connect('127.0.0.1', int(port), timeout=30)
secure.login(login, secret)
secure.prot_p()
secure.mkd('/CTData/tls')
with open(ctx, 'rb') as f: print(secure.storbinary('STOR /CTData/tls/survey.ctx', f))
print(secure.size('/CTData/tls/survey.ctx'))
secure.quit()
`;
    const result = await run('python3', ['-c', script, device.login, device.secret, String(suite.server.ftpPort), cert, geo.path, CTX]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^226 .*\n\['py.geojson'\]\n226 .*\n1116051\n$/);
    const batches = await batchesOf('ftplib', 2);
    expect(batches.map((batch: any) => batch.status)).toEqual(['consolidated', 'consolidated']);
    expect(await sightingIds('ftplib')).toHaveLength(2 + 13);
  });

  it('turns 50 concurrent sessions of 5 files each into exactly 250 batches', async () => {
    const device = await newDevice('crowd');
    const script = `
import ftplib, io, json, sys, uuid, threading
login, secret, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
errors = []
def session(n):
    try:
        ftp = ftplib.FTP()
        ftp.connect('127.0.0.1', port, timeout=60)
        ftp.login(login, secret)
        for i in range(5):
            body = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [31, -24]}, "properties": {"id": str(uuid.uuid4()), "dateTime": "2026-03-01T10:00:00+02:00", "sighting": {"Session": n, "File": i}}}]}).encode()
            ftp.storbinary('STOR CTData/s%d-f%d.geojson' % (n, i), io.BytesIO(body))
        ftp.quit()
    except Exception as e:
        errors.append('%d: %r' % (n, e))
threads = [threading.Thread(target=session, args=(n,)) for n in range(50)]
[t.start() for t in threads]
[t.join() for t in threads]
print('\\n'.join(errors))
sys.exit(1 if errors else 0)
`;
    const result = await run('python3', ['-c', script, device.login, device.secret, String(suite.server.ftpPort)], { timeoutMs: 180_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const batches = await batchesOf('crowd', 250, 120_000);
    expect(batches).toHaveLength(250);
    expect(new Set(batches.map((batch: any) => batch.fileName)).size).toBe(250);
    expect(batches.every((batch: any) => batch.status === 'consolidated')).toBe(true);
    expect(await sightingIds('crowd')).toHaveLength(250);
  });

  it('refuses path attacks and writes nothing outside the device folder', async () => {
    const device = await newDevice('paths');
    const before = await suite.store.count('batch');
    const script = `
import ftplib, io, sys
login, secret, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', port, timeout=30)
ftp.login(login, secret)
ftp.encoding = 'latin-1'
for name in ['../escape.json', '/etc/passwd', '../../../../tmp/x.json', '..%2f..%2fx.json', 'CTData\\\\..\\\\..\\\\x.json', 'a\\x00b.json', 'x' * 300, '...', 'CTData/..', '/CTData/../../x.json']:
    try:
        ftp.storbinary('STOR ' + name, io.BytesIO(b'{}'))
        print('ACCEPTED', repr(name))
    except ftplib.all_errors as e:
        print('refused', repr(name), str(e)[:3])
for path in ['..', '/..', '../..']:
    try:
        ftp.cwd(path)
        print('CWD', path, ftp.pwd())
    except ftplib.all_errors as e:
        print('refused cwd', path, str(e)[:3])
ftp.quit()
`;
    const result = await run('python3', ['-c', script, device.login, device.secret, String(suite.server.ftpPort)]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('ACCEPTED');
    expect(result.stdout).not.toMatch(/CWD \S+ (?!\/$)/);
    expect(await suite.store.count('batch')).toBe(before);
  });

  it('lets a client upload to a temporary name and rename it, as WinSCP and FileZilla do; the batch takes the final name', async () => {
    const device = await newDevice('winscp');
    const first = geojsonFile('first.geojson');
    const second = geojsonFile('second.geojson');
    // WinSCP's "transfer to temporary filename": STOR x.filepart; the target exists already, so DELE x; then RNFR/RNTO.
    const script = `
import ftplib, sys
login, secret, port, first, second = sys.argv[1:6]
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', int(port), timeout=30)
ftp.login(login, secret)
ftp.cwd('CTData')
with open(first, 'rb') as f: print(ftp.storbinary('STOR survey.geojson', f))
ftp.quit()
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', int(port), timeout=30)
ftp.login(login, secret)
ftp.cwd('CTData')
with open(second, 'rb') as f: print(ftp.storbinary('STOR survey.geojson.filepart', f))
print(ftp.delete('survey.geojson'))
print(ftp.rename('survey.geojson.filepart', 'survey.geojson'))
print(sorted(ftp.nlst()))
try:
    ftp.rename('survey.geojson', '/elsewhere.geojson')
    print('renamed')
except ftplib.error_perm as refused:
    print(refused)
ftp.quit()
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', int(port), timeout=30)
ftp.login(login, secret)
try:
    ftp.rename('CTData/survey.geojson', 'CTData/other.geojson')
except ftplib.error_perm as refused:
    print(refused)
ftp.quit()
`;
    const result = await run('python3', ['-c', script, device.login, device.secret, String(suite.server.ftpPort), first.path, second.path]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, 4).map((line) => line.slice(0, 3))).toEqual(['226', '226', '250', '250']);
    expect(lines[4]).toBe("['survey.geojson']");
    expect(lines[5]).toBe('renamed');
    expect(lines[6]).toMatch(/^550 .*only a file sent in this session can be renamed/);
    const batches = await batchesOf('winscp', 2);
    expect(batches.map((batch: any) => [batch.fileName, batch.status]).sort()).toEqual([
      ['CTData/survey.geojson', 'consolidated'],
      ['elsewhere.geojson', 'consolidated'],
    ]);
    expect((await sightingIds('winscp')).sort()).toEqual([...first.ids, ...second.ids].sort());
  });

  it("keeps devices in their own folders: a device never sees or reads another device's files", async () => {
    const alice = await newDevice('alice');
    const bob = await newDevice('bob');
    const geo = geojsonFile('alice-secret.geojson');
    expect((await run('curl', ['-sS', '-T', geo.path, '--user', `${alice.login}:${alice.secret}`, `${ftp}/CTData/`])).status).toBe(0);
    const bobList = await run('curl', ['-sS', '--user', `${bob.login}:${bob.secret}`, `${ftp}/CTData/`]);
    expect(bobList.stdout).not.toContain('alice-secret');
    const bobRead = await run('curl', ['-sS', '--user', `${bob.login}:${bob.secret}`, `${ftp}/CTData/alice-secret.geojson`]);
    expect(bobRead.status).not.toBe(0);
    const aliceRead = await run('curl', ['-sS', '--user', `${alice.login}:${alice.secret}`, `${ftp}/CTData/alice-secret.geojson`]);
    expect(aliceRead.status).not.toBe(0);
    expect((await run('curl', ['-sS', '--user', `${alice.login}:${alice.secret}`, `${ftp}/CTData/`])).stdout).toContain('alice-secret.geojson');
  });

  it('stores nothing from a client killed in the middle of a STOR, and takes the resent file once', async () => {
    const device = await newDevice('killed');
    const features = Array.from({ length: 20_000 }, () => feature());
    const body = featureCollection(features);
    await ftpUploadKilledMidway(`${ftp}/CTData/big.geojson`, device, body.subarray(0, 600_000));
    expect(await suite.store.count('batch', `device_id = '${device.id}'`)).toBe(0);

    const resent = await run('curl', ['-sS', '-T', '-', '--user', `${device.login}:${device.secret}`, `${ftp}/CTData/big.geojson`], { input: body });
    expect(resent.status, resent.stderr).toBe(0);
    const batches = await batchesOf('killed', 1);
    expect(batches).toHaveLength(1);
    expect(batches[0].counts.new).toBe(20_000);
    expect(await suite.store.count('blob', 'sha256 IS NULL')).toBe(0);
  });

  it('answers a wrong password with 530, waiting longer on each further try', async () => {
    const device = await newDevice('guess');
    const script = `
import ftplib, sys, time
login, port = sys.argv[1], int(sys.argv[2])
for attempt in range(4):
    ftp = ftplib.FTP()
    ftp.connect('127.0.0.1', port, timeout=30)
    started = time.monotonic()
    try:
        ftp.login(login, 'wrong-%d' % attempt)
        print('LOGGED IN')
    except ftplib.error_perm as e:
        print(str(e)[:3], round(time.monotonic() - started, 2))
    ftp.close()
`;
    const result = await run('python3', ['-c', script, device.login, String(suite.server.ftpPort)]);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    expect(lines.map(([code]) => code)).toEqual(['530', '530', '530', '530']);
    const waits = lines.map(([, seconds]) => Number(seconds));
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
  });
});

describe('FTP sessions that never log in', () => {
  const suite = fieldSyncSuite('sqlite', { env: { FTP_LOGIN_TIMEOUT_MS: '3000', FTP_MAX_UNAUTHENTICATED_PER_ADDRESS: '3' } });

  /** A TCP connection to the FTP port that never logs in; `replies` gathers what the server says. */
  function idle(): Promise<{ socket: Socket; replies: string[]; closed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const replies: string[] = [];
      const socket = connect(suite.server.ftpPort, '127.0.0.1');
      const closed = new Promise<void>((done) => socket.on('close', () => done()));
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        replies.push(...chunk.toString().split('\r\n').filter(Boolean));
        resolve({ socket, replies, closed });
      });
    });
  }

  it('closes them at the login deadline and caps them per address, while devices from elsewhere log in', async () => {
    await suite.admin.createProject('idle');
    const device = await suite.admin.createDevice('idle');
    const held = [await idle(), await idle(), await idle()];
    expect(held.map(({ replies }) => replies[0]!.slice(0, 3))).toEqual(['220', '220', '220']);
    const fourth = await idle();
    await fourth.closed;
    expect(fourth.replies.join('\n')).toMatch(/^421 .*have not logged in/m);

    // A device behind another address is not held up by them.
    const script = `
import ftplib, sys
ftp = ftplib.FTP(source_address=('127.0.0.5', 0))
ftp.connect('127.0.0.1', int(sys.argv[1]), timeout=30)
print(ftp.login(sys.argv[2], sys.argv[3]))
ftp.quit()
`;
    const login = await run('python3', ['-c', script, String(suite.server.ftpPort), device.login, device.secret]);
    expect(login.status, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/^230 /);

    // The deadline closes the idle ones (waited for as they close, not for a time)…
    await Promise.all(held.map(({ closed }) => closed));
    for (const { replies } of held) expect(replies.join('\n')).toMatch(/^421 log in within 3 s/m);
    // …and their address may connect again.
    const after = await idle();
    // The greeting ends with "220 Ready"; a refusal would stand before it.
    while (!after.replies.some((line) => line.startsWith('220 '))) await new Promise((resolve) => after.socket.once('data', resolve));
    expect(after.replies.filter((line) => line.startsWith('421'))).toEqual([]);
    after.socket.destroy();
  });
});
