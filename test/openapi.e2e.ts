import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { uploadAsDevice } from './support/curl.js';
import { ADMIN_TOKEN, StoreKind } from './support/fieldsync-process.js';
import { feature, featureCollection } from './support/geojson.js';
import { fieldSyncSuite } from './support/suite.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

// ajv-formats is CommonJS: its default export arrives wrapped when imported from ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * The OpenAPI document against the server it describes: every answer shape it documents is
 * checked against what the route really answers, on a project holding devices, batches, a
 * revised sighting and tokens; and the device door and an error answer in their documented shapes.
 */
describe.each<StoreKind>(['sqlite', 'postgres'])('the OpenAPI document against real answers, on %s', (kind) => {
  const suite = fieldSyncSuite(kind, { mode: 'embedded', env: { FIELDSYNC_SECRET_KEY: 'openapi-test-secret-key-0123456789abcdef' } });
  let document: Document;
  let ajv: Ajv;
  const params: Record<string, string> = { slug: 'kruger' };
  let uploadAnswer: unknown;

  const validate = (schema: unknown, value: unknown): string[] => {
    const check = ajv.compile({ ...(schema as object), components: document.components });
    return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
  };

  beforeAll(async () => {
    await suite.admin.createProject('kruger');
    const device = await suite.admin.createDevice('kruger', 'Ranger 7');
    const edited = feature();
    await uploadAsDevice(suite.server.baseUrl, device, featureCollection([edited, feature(), feature({ waypoint: true })]));
    const second = await uploadAsDevice(suite.server.baseUrl, device, featureCollection([{ ...edited, properties: { ...edited.properties, dateTime: '2026-03-05T10:00:00+02:00' } }]));
    uploadAnswer = second.body;
    params.uid = edited.properties.id.slice(1, -1).toLowerCase();
    params.id = second.body.batches[0].id;
    await suite.admin.expect(201, 'POST', '/api/v1/tokens', { name: 'nightly export', role: 'read-only', projects: ['kruger'] });
    // Something in every list the document describes.
    await suite.admin.expect(201, 'POST', '/api/v1/projects/kruger/sources', { url: 'ftp://ftp.example.org/CTData', username: 'ranger', everyMinutes: 30 });
    await suite.admin.expect(201, 'POST', '/api/v1/projects/kruger/subscriptions', { name: 'archive', url: 'https://example.org/archive' });
    const ada = await suite.admin.expect(201, 'POST', '/api/v1/people', { login: 'ada', displayName: 'Ada', password: 'a long enough password' });
    await suite.admin.expect(200, 'PUT', `/api/v1/people/${ada.id}/projects/kruger`, { role: 'manager' });
    const form = readFileSync(join(import.meta.dirname, 'fixtures', 'odk', 'simple.form.xml'));
    const uploaded = await fetch(`${suite.server.baseUrl}/api/v1/projects/kruger/forms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/xml' },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    document = await suite.admin.expect(200, 'GET', '/api/docs-json');
    ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  });

  /** The success answer's status and schema an operation documents, if any. */
  const documented = (operation: Operation): [string, unknown] | null => {
    for (const status of ['200', '201']) {
      const schema = operation.responses?.[status]?.content?.['application/json']?.schema;
      if (schema) return [status, schema];
    }
    return null;
  };

  it('answers every documented read in the documented shape', async () => {
    const checked: string[] = [];
    const wrong: Record<string, string[]> = {};
    for (const [template, item] of Object.entries(document.paths)) {
      const operation = item.get;
      const answer = operation && documented(operation);
      if (!answer || !template.startsWith('/api/v1/')) continue;
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        expect(params[name], `${template}: no value for {${name}}`).toBeDefined();
        return encodeURIComponent(params[name]);
      });
      const got = await suite.admin.call('GET', path);
      expect(got.status, `${path}: ${JSON.stringify(got.body)}`).toBe(Number(answer[0]));
      const errors = validate(answer[1], got.body);
      if (errors.length > 0) wrong[path] = errors;
      checked.push(`get ${template}`);
    }
    expect(wrong).toEqual({});
    expect(checked.length).toBeGreaterThanOrEqual(14);
    expect(checked).toContain('get /api/v1/projects/{slug}/sightings');
  });

  it('answers every documented change in the documented shape', async () => {
    // Each documented change, in an order that makes sense, on a project of its own.
    const changes: [string, () => string, unknown][] = [
      ['post /api/v1/projects', () => '/api/v1/projects', { slug: 'scratch', name: 'Scratch' }],
      ['patch /api/v1/projects/{slug}', () => '/api/v1/projects/scratch', { name: 'Scratch, renamed' }],
      ['post /api/v1/projects/{slug}/devices', () => '/api/v1/projects/scratch/devices', { name: 'Spare handheld' }],
      ['patch /api/v1/projects/{slug}/devices/{deviceId}', () => `/api/v1/projects/scratch/devices/${params.deviceId}`, { name: 'Spare handheld 2' }],
      ['post /api/v1/projects/{slug}/devices/{deviceId}/secret', () => `/api/v1/projects/scratch/devices/${params.deviceId}/secret`, undefined],
      ['delete /api/v1/projects/{slug}/devices/{deviceId}/lockout', () => `/api/v1/projects/scratch/devices/${params.deviceId}/lockout`, undefined],
      ['post /api/v1/tokens', () => '/api/v1/tokens', { name: 'scratch reader', role: 'read-only', projects: ['scratch'] }],
      ['post /api/v1/projects/{slug}/sources', () => '/api/v1/projects/scratch/sources', { url: 'ftp://ftp.example.org/CTData', username: 'ranger', everyMinutes: 15 }],
      ['post /api/v1/projects/{slug}/subscriptions', () => '/api/v1/projects/scratch/subscriptions', { name: 'hook', url: 'https://example.org/hook' }],
      ['post /api/v1/people', () => '/api/v1/people', { login: 'vera', displayName: 'Vera Viewer', password: 'a long enough password' }],
      ['delete /api/v1/projects/{slug}', () => '/api/v1/projects/scratch?confirm=scratch', undefined],
    ];
    const documentedChanges = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.entries(item)
        .filter(([method, operation]) => method !== 'get' && template.startsWith('/api/v1/') && documented(operation))
        .map(([method]) => `${method} ${template}`),
    );
    expect(documentedChanges.sort()).toEqual(changes.map(([operation]) => operation).sort());
    const wrong: Record<string, string[]> = {};
    for (const [operation, path, body] of changes) {
      const [method, template] = operation.split(' ');
      const [status, schema] = documented(document.paths[template][method])!;
      const got = await suite.admin.call(method.toUpperCase(), path(), body);
      expect(got.status, `${operation}: ${JSON.stringify(got.body)}`).toBe(Number(status));
      if (operation === 'post /api/v1/projects/{slug}/devices') params.deviceId = got.body.id;
      const errors = validate(schema, got.body);
      if (errors.length > 0) wrong[operation] = errors;
    }
    expect(wrong).toEqual({});
  });

  it('answers an upload and an error in their documented shapes', async () => {
    const upload = document.paths['/upload'].post.responses['202'].content!['application/json'].schema;
    expect(validate(upload, uploadAnswer)).toEqual([]);
    const problem = document.paths['/api/v1/projects/{slug}/overview'].get.responses.default.content!['application/problem+json'].schema;
    const missing = await suite.admin.call('GET', '/api/v1/projects/nowhere/overview');
    expect(missing.status).toBe(404);
    expect(validate(problem, missing.body)).toEqual([]);
    // A schema that says what it should: a wrong shape is caught.
    expect(validate(problem, { status: '404' })).not.toEqual([]);
  });
});
