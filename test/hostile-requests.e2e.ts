import { describe, expect, it } from 'vitest';
import { curl } from './support/curl.js';
import { ADMIN_TOKEN, StoreKind } from './support/fieldsync-process.js';
import { run } from './support/run.js';
import { fieldSyncSuite } from './support/suite.js';

const FTP_LOGIN = `
import ftplib, sys
ftp = ftplib.FTP()
ftp.connect('127.0.0.1', int(sys.argv[1]))
try:
    ftp.login(sys.argv[2] + '\\x00x', 'secret\\x00')
except ftplib.error_perm as refused:
    print(refused)
`;

/**
 * Requests that reached the database with text PostgreSQL refuses (NUL), or crashed a parser,
 * were answered 500 (one with a stack trace, before login); each is now a 4xx that says why.
 */
describe.each<StoreKind>(['sqlite', 'postgres'])('hostile requests get a 4xx, never a 500, on %s', (kind) => {
  const suite = fieldSyncSuite(kind);

  it('refuses NUL in a login, a path and a JSON string, deep JSON and a null list', async () => {
    await suite.admin.createProject('h');
    const device = await suite.admin.createDevice('h');
    const nulLogin = await curl(['-H', `Authorization: Basic ${Buffer.from(`${device.login}\u0000:${device.secret}`).toString('base64')}`, '--data-binary', '{}', `${suite.server.baseUrl}/upload`]);
    expect(nulLogin.status).toBe(401);
    // A control character in a header never gets past Node's HTTP parser (400).
    const controlBearer = await curl(['-H', `Authorization: Bearer ${device.secret.slice(0, 10)}\u0001x`, `${suite.server.baseUrl}/api/v1/projects`]);
    expect(controlBearer.status).toBe(400);
    const ftp = await run('/usr/bin/python3', ['-c', FTP_LOGIN, String(suite.server.ftpPort), device.login]);
    expect(ftp.stdout).toMatch(/^530 /);
    expect(ftp.stdout).not.toMatch(/invalid byte sequence|UTF8|0x00/);

    const paths = ['/api/v1/batches/%00', '/api/v1/projects/h%00/devices', '/api/v1/projects/h/attachments/%00', '/api/v1/projects/h/sources/%00/test', `/api/v1/projects/h/devices/a%00/secret`];
    for (const path of paths) {
      const answer = await suite.admin.call(path.endsWith('test') || path.endsWith('secret') ? 'POST' : 'GET', path);
      expect(answer.status, path).toBe(400);
    }
    const nulJson = await suite.admin.call('POST', '/api/v1/projects', { slug: 'x', name: 'a\u0000b' });
    expect(nulJson.status).toBe(400);
    const deep = await curl(
      ['-H', `Authorization: Bearer ${ADMIN_TOKEN}`, '-H', 'Content-Type: application/json', '--data-binary', '@-', `${suite.server.baseUrl}/api/v1/projects`],
      Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`),
    );
    expect(deep.status).toBe(400);
    expect(deep.body.detail ?? deep.body).toMatch(/nested deeper/);
    const nullProjects = await suite.admin.call('POST', '/api/v1/tokens', { name: 'n', role: 'admin', projects: null });
    expect(nullProjects.status).toBe(400);
  });

  it('answers a query parameter given twice with a 400 naming it, on every route', async () => {
    const device = await suite.admin.createDevice('h', 'repeats');
    const asAdmin = [
      '/api/v1/projects/h/sightings?q=a&q=b',
      '/api/v1/projects/h/sightings?format=csv&format=json',
      '/api/v1/projects/h/batches?limit=1&limit=2',
      '/api/v1/audit?after=1&after=2',
      '/api/v1/projects/h/sightings/map?zoom=1&zoom=2',
    ];
    for (const path of asAdmin) {
      const answer = await suite.admin.call('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.detail, path).toMatch(new RegExp(`"${/\?(\w+)=/.exec(path)![1]}" is given more than once`));
    }
    const formList = await curl(['-u', `${device.login}:${device.secret}`, `${suite.server.baseUrl}/formList?formID=a&formID=b`]);
    expect(formList.status).toBe(400);
    expect((await suite.admin.call('GET', '/api/v1/projects/h/sightings?q=a&kind=sighting')).status).toBe(200);
  });

  it('sends security headers, keeps answers carrying secrets out of caches, and serves an uploaded text/html as bytes', async () => {
    const answer = await suite.admin.call('POST', '/api/v1/projects/h/devices', { name: 'headers' });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-powered-by')).toBeNull();
    expect(answer.headers.get('strict-transport-security')).toBeNull();
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect((await suite.admin.call('POST', '/api/v1/tokens', { name: 't', role: 'read-only' })).headers.get('cache-control')).toBe('no-store');

    // A JPEG handed over as a data: URI claiming text/html, as an uploader controls it.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(600, 1)]);
    const body = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [31, -24] },
          properties: { id: 'html-1', dateTime: '2026-03-01T10:00:00+02:00', sighting: { Photo: `data:text/html;base64,${jpeg.toString('base64')}` } },
        },
      ],
    });
    const upload = await curl(['-u', `${answer.body.login}:${answer.body.secret}`, '--data-binary', '@-', `${suite.server.baseUrl}/upload`], Buffer.from(body));
    await suite.admin.settled(upload.body.batches[0].id);
    const [row] = (await suite.admin.allSightings('h')).filter((sighting) => sighting.id === 'html-1');
    const served = await fetch(`${suite.server.baseUrl}/api/v1/projects/h/attachments/${row.attachments[0].sha256}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(jpeg);
  });
});
