import { describe, expect, it } from 'vitest';
import { AdminClient } from './support/admin-client.js';
import { curl } from './support/curl.js';
import { ADMIN_TOKEN, FieldSyncProcess, StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSite } from './support/suite.js';

/** A browser's session as a client of the API: the cookie it was given and the CSRF token it reads. */
class SignedIn {
  private constructor(
    readonly baseUrl: string,
    readonly cookie: string,
    readonly csrf: string,
  ) {}

  static async as(baseUrl: string, login: string, password: string): Promise<SignedIn> {
    const answer = await fetch(`${baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    expect(answer.status, `sign-in of ${login}`).toBe(200);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const body = (await answer.json()) as { csrfToken: string };
    return new SignedIn(baseUrl, setCookie.split(';')[0]!, body.csrfToken);
  }

  call(method: string, path: string, body?: unknown, baseUrl = this.baseUrl): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      method,
      headers: { cookie: this.cookie, 'x-csrf-token': this.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}

describe.each<StoreKind>(['sqlite', 'postgres'])('people, roles and the audit trail on %s', (kind) => {
  const site = fieldSyncSite(kind);
  let gateway: FieldSyncProcess;
  let second: FieldSyncProcess;
  let admin: AdminClient;
  const people: Record<string, { id: string; password: string }> = {};

  async function person(login: string, roles: Record<string, 'manager' | 'viewer'>, siteAdmin = false) {
    const created = await admin.expect(201, 'POST', '/api/v1/people', { login, displayName: login, siteAdmin });
    for (const [slug, role] of Object.entries(roles)) await admin.expect(200, 'PUT', `/api/v1/people/${created.id}/projects/${slug}`, { role });
    // A one-time password opens nothing by itself; it opens a session once, together with the person's own new password.
    const signIn = (body: Record<string, string>) =>
      fetch(`${admin.baseUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, ...body }) });
    const alone = await signIn({ password: created.oneTimePassword });
    expect(alone.status).toBe(403);
    expect(await alone.json()).toMatchObject({ passwordChangeRequired: true });
    const password = `own password of ${login}`;
    expect((await signIn({ password: created.oneTimePassword, newPassword: password })).status).toBe(200);
    expect((await signIn({ password: created.oneTimePassword })).status).toBe(401);
    expect((await signIn({ password: created.oneTimePassword, newPassword: 'yet another password' })).status).toBe(401);
    people[login] = { id: created.id, password };
  }

  it('makes people with one-time passwords and roles, signs them in and out, on any gateway', async () => {
    gateway = await site.start();
    second = await site.start();
    admin = new AdminClient(gateway.baseUrl);
    await admin.createProject('alpha');
    await admin.createProject('bravo');
    await person('viewer@a.org', { alpha: 'viewer' });
    await person('manager@a.org', { alpha: 'manager' });
    await person('manager@b.org', { bravo: 'manager' });
    await person('boss@site.org', {}, true);

    const viewer = await SignedIn.as(gateway.baseUrl, 'VIEWER@a.org', people['viewer@a.org']!.password);
    const who = await (await viewer.call('GET', '/api/v1/session')).json();
    expect(who).toMatchObject({ person: { login: 'viewer@a.org', siteAdmin: false }, projects: [{ slug: 'alpha', role: 'viewer' }] });
    // The session is a row of the shared database: the second gateway knows it, and forgets it once signed out.
    expect((await viewer.call('GET', '/api/v1/projects', undefined, second.baseUrl)).status).toBe(200);
    expect((await viewer.call('DELETE', '/api/v1/session')).status).toBe(204);
    expect((await viewer.call('GET', '/api/v1/projects', undefined, second.baseUrl)).status).toBe(401);
    expect((await viewer.call('GET', '/api/v1/projects')).status).toBe(401);
    const wrong = await fetch(`${gateway.baseUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'viewer@a.org', password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);
  });

  it('lets each role do what it may on every documented route, and nothing of another project (the matrix)', async () => {
    const spec = await admin.expect(200, 'GET', '/api/docs-json');
    const device = await admin.createDevice('alpha');
    const callers: Record<string, SignedIn | null> = {
      'viewer of alpha': await SignedIn.as(gateway.baseUrl, 'viewer@a.org', people['viewer@a.org']!.password),
      'manager of alpha': await SignedIn.as(gateway.baseUrl, 'manager@a.org', people['manager@a.org']!.password),
      'manager of bravo': await SignedIn.as(gateway.baseUrl, 'manager@b.org', people['manager@b.org']!.password),
      nobody: null,
    };
    const params: Record<string, string> = {
      slug: 'alpha',
      deviceId: device.id,
      id: '00000000-0000-4000-8000-000000000000',
      personId: people['viewer@a.org']!.id,
      sha256: 'a'.repeat(64),
      xmlFormId: 'none',
      name: 'x.png',
    };
    const matrix: Record<string, Record<string, number>> = {};
    const wrongs: string[] = [];
    for (const [template, methods] of Object.entries<Record<string, unknown>>(spec.paths)) {
      if (!template.startsWith('/api/v1/') || template.startsWith('/api/v1/session')) continue;
      for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? 'x');
        const row: Record<string, number> = {};
        for (const [caller, session] of Object.entries(callers)) {
          const body = method === 'GET' || method === 'DELETE' ? undefined : { name: 'probe' };
          const status = session ? (await session.call(method, path, body)).status : (await fetch(`${gateway.baseUrl}${path}`, { method })).status;
          row[caller] = status;
          const onAlpha = template.includes('{slug}') && !template.startsWith('/api/v1/people');
          const read = method === 'GET';
          // Deleting a project is for site administrators only, as creating one is.
          const siteOnly = method === 'DELETE' && template === '/api/v1/projects/{slug}';
          // A stranger to alpha must get what a project that does not exist gets: nothing tells it apart.
          const nowhere = async () => (await session!.call(method, path.replace('/projects/alpha', '/projects/no-such-project'), body)).status;
          const expectation =
            caller === 'nobody'
              ? status === 401
              : caller === 'manager of bravo' && onAlpha
                ? status === (await nowhere()) && status !== 200 && status !== 201
                : caller === 'viewer of alpha' && onAlpha
                  ? read
                    ? status !== 401 && status !== 403
                    : status === 403
                  : caller === 'manager of alpha' && onAlpha
                    ? siteOnly
                      ? status === 403
                      : status !== 401 && status !== 403
                    : !onAlpha && !read
                      ? status === 403 || status === 404
                      : status !== 401;
          if (!expectation) wrongs.push(`${caller} ${method} ${path} → ${status}`);
        }
        matrix[`${method} ${template}`] = row;
      }
    }
    console.table(matrix);
    expect(wrongs).toEqual([]);
    expect(Object.keys(matrix).length).toBeGreaterThan(20);
  });

  it('refuses a change sent with the cookie but without the CSRF token (a cross-site form post)', async () => {
    const manager = await SignedIn.as(gateway.baseUrl, 'manager@a.org', people['manager@a.org']!.password);
    const forged = await curl(['-H', `Cookie: ${manager.cookie}`, '-H', 'Origin: https://evil.example', '-d', 'name=planted', `${gateway.baseUrl}/api/v1/projects/alpha/devices`]);
    expect(forged.status).toBe(403);
    expect((await manager.call('POST', '/api/v1/projects/alpha/devices', { name: 'real' })).status).toBe(201);
  });

  it('refuses a revoked token at once, on the other gateway too; a read-only token lists no tokens', async () => {
    const made = await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'nightly', role: 'admin', projects: ['alpha'] });
    const nightly = new AdminClient(second.baseUrl, made.token);
    expect((await nightly.call('GET', '/api/v1/projects/alpha/devices')).status).toBe(200);
    const listed = (await admin.expect(200, 'GET', '/api/v1/tokens')).tokens.find((token: { id: string }) => token.id === made.id);
    expect(listed).toMatchObject({ owner: 'token:bootstrap (bootstrap)', lastUsedAt: expect.any(String), revokedAt: null });
    // One form for a token's reach, as it was given: project slugs (null: every project).
    expect(made.projects).toEqual(['alpha']);
    expect(listed.projects).toEqual(['alpha']);
    expect(listed.projectIds).toBeUndefined();
    await admin.expect(200, 'DELETE', `/api/v1/tokens/${made.id}`);
    expect((await nightly.call('GET', '/api/v1/projects/alpha/devices')).status).toBe(401);
    const readOnly = await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'reader', role: 'read-only' });
    expect((await new AdminClient(gateway.baseUrl, readOnly.token).call('GET', '/api/v1/tokens')).status).toBe(403);
  });

  it('keeps one audit entry per action of a scripted admin session, in order, with no secret anywhere', async () => {
    const boss = await SignedIn.as(gateway.baseUrl, 'boss@site.org', people['boss@site.org']!.password);
    const { next: before } = await admin.expect(200, 'GET', '/api/v1/audit?limit=1000');
    const device = (await (await boss.call('POST', '/api/v1/projects/alpha/devices', { name: 'audited' })).json()) as { id: string; login: string; secret: string };
    const rotated = (await (await boss.call('POST', `/api/v1/projects/alpha/devices/${device.id}/secret`)).json()) as { secret: string };
    const token = (await (await boss.call('POST', '/api/v1/tokens', { name: 'audited token', role: 'read-only' })).json()) as { id: string; token: string };
    expect((await boss.call('DELETE', `/api/v1/tokens/${token.id}`)).status).toBe(200);
    const upload = await curl(['-u', `${device.login}:${rotated.secret}`, '--data-binary', '@-', `${gateway.baseUrl}/upload`], featureCollection([feature()]));
    await admin.settled(upload.body.batches[0].id);
    expect((await boss.call('GET', '/api/v1/projects/alpha/sightings?format=csv')).status).toBe(200);
    expect((await boss.call('DELETE', '/api/v1/session')).status).toBe(204);

    const { events } = await admin.expect(200, 'GET', `/api/v1/audit?after=${before}&limit=1000`);
    const mine = events.filter((event: { actor: string }) => event.actor === 'person:boss@site.org').map((event: { action: string }) => event.action);
    expect(mine).toEqual([
      'POST /api/v1/projects/:slug/devices',
      'POST /api/v1/projects/:slug/devices/:deviceId/secret',
      'POST /api/v1/tokens',
      'DELETE /api/v1/tokens/:id',
      'GET /api/v1/projects/:slug/sightings',
      'session.sign-out',
    ]);
    const download = events.find((event: { actor: string; action: string }) => event.actor === 'person:boss@site.org' && event.action === 'GET /api/v1/projects/:slug/sightings');
    expect(download.details).toMatchObject({ format: 'csv', rows: (await admin.allSightings('alpha')).length });
    // Each names its project (found by slug); a site-wide change names none.
    const alpha = (await admin.expect<{ projects: { id: string; slug: string }[] }>(200, 'GET', '/api/v1/projects')).projects.find((project) => project.slug === 'alpha')!;
    const projectOf = (action: string) => events.find((event: { actor: string; action: string }) => event.actor === 'person:boss@site.org' && event.action === action).projectId;
    expect([projectOf('GET /api/v1/projects/:slug/sightings'), projectOf('POST /api/v1/projects/:slug/devices'), projectOf('POST /api/v1/tokens')]).toEqual([alpha.id, alpha.id, null]);
    const trail = JSON.stringify(events);
    const logs = gateway.logs + second.logs;
    for (const secret of [device.secret, rotated.secret, token.token, people['boss@site.org']!.password, boss.cookie.split('=')[1], ADMIN_TOKEN]) {
      expect(trail).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });

  it('gives a reader of one project full pages of its own events, each naming its project', async () => {
    const { next: before } = await admin.expect(200, 'GET', '/api/v1/audit?limit=1000');
    // Nine audited reads of alpha, then two of bravo: a page of bravo's manager must reach past alpha's.
    for (let i = 0; i < 9; i++) await admin.expect(200, 'GET', '/api/v1/projects/alpha/sightings?limit=1');
    const bravoManager = await SignedIn.as(gateway.baseUrl, 'manager@b.org', people['manager@b.org']!.password);
    for (let i = 0; i < 2; i++) expect((await bravoManager.call('GET', '/api/v1/projects/bravo/sightings?limit=1')).status).toBe(200);
    const scoped = (await (await bravoManager.call('GET', `/api/v1/audit?after=${before}&limit=2`)).json()) as { events: { actor: string; action: string; project: string | null }[] };
    const bravoRead = ['person:manager@b.org', 'GET /api/v1/projects/:slug/sightings', 'bravo'];
    expect(scoped.events.map((event) => [event.actor, event.action, event.project])).toEqual([bravoRead, bravoRead]);
    const { events } = await admin.expect<{ events: { project: string | null }[] }>(200, 'GET', `/api/v1/audit?after=${before}&limit=1000`);
    expect(events.filter((event) => event.project === 'alpha')).toHaveLength(9);
  });

  it("stops a guesser without locking out the real device or other devices behind the guesser's address; an admin lifts a lock-out", async () => {
    const victim = await admin.createDevice('alpha', 'victim');
    const neighbour = await admin.createDevice('alpha', 'behind the same address');
    const guesses: number[] = [];
    for (let i = 0; i < 100; i++) {
      guesses.push((await curl(['--interface', '127.0.0.66', '-u', `${victim.login}:guess-${i}`, '--data-binary', '{}', `${gateway.baseUrl}/upload`])).status);
    }
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(new Set(guesses.slice(10))).toEqual(new Set([429]));
    const upload = (who: { login: string; secret: string }, from: string) =>
      curl(['--interface', from, '-u', `${who.login}:${who.secret}`, '--data-binary', '@-', `${gateway.baseUrl}/upload`], featureCollection([feature()]));
    expect((await upload(victim, '127.0.0.1')).status).toBe(202);
    expect((await upload(neighbour, '127.0.0.66')).status).toBe(202);
    expect((await upload(victim, '127.0.0.66')).status).toBe(429);
    // The counts are in Redis: the other gateway refuses the guesser's address for this login too.
    const atSecond = await curl(['--interface', '127.0.0.66', '-u', `${victim.login}:${victim.secret}`, '--data-binary', '{}', `${second.baseUrl}/upload`]);
    expect(atSecond.status).toBe(429);
    expect(gateway.logs).toMatch(new RegExp(`device login refused[\\s\\S]{0,300}${victim.login}[\\s\\S]{0,300}127\\.0\\.0\\.66`));
    await admin.expect(200, 'DELETE', `/api/v1/lockouts/${victim.login}`);
    expect((await upload(victim, '127.0.0.66')).status).toBe(202);
  });

  it('lets a valid token and session through from an address where a guesser was stopped; only further wrong tokens wait', async () => {
    const manager = await SignedIn.as(gateway.baseUrl, 'manager@a.org', people['manager@a.org']!.password);
    const from = (token: string, extra: string[] = []) => curl(['--interface', '127.0.0.77', '-H', `Authorization: Bearer ${token}`, ...extra, `${gateway.baseUrl}/api/v1/projects`]);
    const guesses: number[] = [];
    for (let i = 0; i < 12; i++) guesses.push((await from(`guess-${i}`)).status);
    expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(new Set(guesses.slice(10))).toEqual(new Set([429]));
    // The office behind that address keeps working: its real token and its console session pass.
    expect((await from(ADMIN_TOKEN)).status).toBe(200);
    const session = await curl(['--interface', '127.0.0.77', '-H', `Cookie: ${manager.cookie}`, `${gateway.baseUrl}/api/v1/projects`]);
    expect(session.status).toBe(200);
    expect((await from('guess-again')).status).toBe(429);
  });

  it('bounds a token by what its maker may do now: a role taken away, a maker disabled or revoked (on the other gateway too)', async () => {
    const maker = await admin.expect(201, 'POST', '/api/v1/people', { login: 'maker@site.org', password: 'maker password 1', siteAdmin: true });
    const session = await SignedIn.as(gateway.baseUrl, 'maker@site.org', 'maker password 1');
    const made = (await (await session.call('POST', '/api/v1/tokens', { name: 'script of maker', role: 'admin' })).json()) as { id: string; token: string };
    const token = new AdminClient(second.baseUrl, made.token);
    expect((await token.call('POST', '/api/v1/projects/alpha/devices', { name: 'by the token' })).status).toBe(201);
    expect((await token.call('GET', '/api/v1/projects/bravo/devices')).status).toBe(200);
    // The maker is no longer a site administrator and only a viewer of alpha: so is the token.
    await admin.expect(200, 'PATCH', `/api/v1/people/${maker.id}`, { siteAdmin: false });
    await admin.expect(200, 'PUT', `/api/v1/people/${maker.id}/projects/alpha`, { role: 'viewer' });
    expect((await token.call('GET', '/api/v1/projects/alpha/devices')).status).toBe(200);
    expect((await token.call('POST', '/api/v1/projects/alpha/devices', { name: 'refused' })).status).toBe(403);
    expect((await token.call('GET', '/api/v1/projects/bravo/devices')).status).toBe(404);
    expect((await token.call('GET', '/api/v1/projects')).body.projects.map((project: { slug: string }) => project.slug)).toEqual(['alpha']);
    // Disabled: every token of theirs stops at once, on every gateway.
    await admin.expect(200, 'PATCH', `/api/v1/people/${maker.id}`, { enabled: false });
    expect((await token.call('GET', '/api/v1/projects/alpha/devices')).status).toBe(401);
    expect((await new AdminClient(gateway.baseUrl, made.token).call('GET', '/api/v1/projects')).status).toBe(401);

    // A token made by a token ends with it.
    const parent = await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'parent', role: 'admin', projects: ['alpha'] });
    const child = await new AdminClient(gateway.baseUrl, parent.token).expect(201, 'POST', '/api/v1/tokens', { name: 'child', role: 'admin', projects: ['alpha'] });
    expect((await new AdminClient(second.baseUrl, child.token).call('GET', '/api/v1/projects/alpha/devices')).status).toBe(200);
    await admin.expect(200, 'DELETE', `/api/v1/tokens/${parent.id}`);
    expect((await new AdminClient(second.baseUrl, child.token).call('GET', '/api/v1/projects/alpha/devices')).status).toBe(401);
  });

  it('makes no token of no project, and shows a scoped caller only tokens within its projects', async () => {
    const scoped = await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'alpha admin', role: 'admin', projects: ['alpha'] });
    const alphaAdmin = new AdminClient(gateway.baseUrl, scoped.token);
    expect((await admin.call('POST', '/api/v1/tokens', { name: 'nowhere', role: 'admin', projects: [] })).status).toBe(400);
    expect((await alphaAdmin.call('POST', '/api/v1/tokens', { name: 'nowhere', role: 'admin', projects: [] })).status).toBe(400);
    const everywhere = await admin.expect(201, 'POST', '/api/v1/tokens', { name: 'everywhere', role: 'read-only' });
    const listed = (await alphaAdmin.expect(200, 'GET', '/api/v1/tokens')).tokens.map((token: { id: string }) => token.id);
    expect(listed).toContain(scoped.id);
    expect(listed).not.toContain(everywhere.id);
    expect((await alphaAdmin.call('DELETE', `/api/v1/tokens/${everywhere.id}`)).status).toBe(404);
  });
});
