import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ANSWER_SCHEMAS, ANSWERS, FEED_PAGE } from './openapi-answers.js';

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const PROBLEM_ANSWER = { description: 'an error, as RFC 9457 problem details', content: { 'application/problem+json': { schema: PROBLEM } } };
const DEVICE_AUTH = [{ device: [] }, { bearer: [] }];
const BATCHES = { type: 'object', properties: { batches: { type: 'array', items: { $ref: '#/components/schemas/BatchAnswer' } } } };

const PATH_PARAMETER = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/** An EarthRanger route of the door (bearer: the token /oauth2/token gave, the device's secret). */
const earthRanger = (summary: string, status: string, eventId = false) => ({
  tags: ['devices'],
  summary: `EarthRanger: ${summary}`,
  security: [{ bearer: [] }],
  ...(eventId ? { parameters: [PATH_PARAMETER('id')] } : {}),
  responses: { [status]: { description: "done, in EarthRanger's answer shape" } },
});

/** The device doors, described by hand: their controllers read the raw request (streamed bodies, several paths, protocol-defined answers). */
const DEVICE_PATHS: Record<string, Record<string, unknown>> = {
  '/upload': {
    post: {
      tags: ['devices'],
      summary: 'Upload a file (CTX, GeoJSON, CSV, CyberTracker JSON…) as the body, or as multipart `file` parts',
      security: DEVICE_AUTH,
      parameters: [{ name: 'project', in: 'query', required: false, schema: { type: 'string' }, description: 'the project slug the device expects to belong to (checked)' }],
      requestBody: {
        required: true,
        content: {
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } },
        },
      },
      responses: { '202': { description: 'stored and committed: one batch per file', content: { 'application/json': { schema: BATCHES } } } },
    },
  },
  '/upload/{fileName}': {
    put: {
      tags: ['devices'],
      summary: 'Upload a file under its name (raw body; Content-Encoding deflate or gzip allowed)',
      security: DEVICE_AUTH,
      parameters: [{ name: 'fileName', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      responses: { '202': { description: 'stored and committed', content: { 'application/json': { schema: BATCHES } } } },
    },
  },
  '/submission': {
    head: {
      tags: ['devices'],
      summary: 'OpenRosa: the pre-flight before a submission',
      security: DEVICE_AUTH,
      responses: { '204': { description: 'ready; X-OpenRosa-Accept-Content-Length says the limit' } },
    },
    post: {
      tags: ['devices'],
      summary: 'OpenRosa submission (ODK Collect, KoBoCollect): multipart with `xml_submission_file` and media parts',
      security: DEVICE_AUTH,
      requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties: { xml_submission_file: { type: 'string', format: 'binary' } } } } } },
      responses: { '201': { description: 'stored; an OpenRosa <OpenRosaResponse> XML message', content: { 'text/xml': { schema: { type: 'string' } } } } },
    },
  },
  '/formList': {
    get: {
      tags: ['devices'],
      summary: "OpenRosa: the project's blank forms",
      security: DEVICE_AUTH,
      responses: { '200': { description: 'an OpenRosa xforms list', content: { 'text/xml': { schema: { type: 'string' } } } } },
    },
  },
  '/forms/{formFile}': {
    get: {
      tags: ['devices'],
      summary: 'OpenRosa: a blank form',
      security: DEVICE_AUTH,
      parameters: [{ name: 'formFile', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'the XForm', content: { 'text/xml': { schema: { type: 'string' } } } } },
    },
  },
  '/forms/{xmlFormId}/manifest': {
    get: {
      tags: ['devices'],
      summary: "OpenRosa: a form's media manifest",
      security: DEVICE_AUTH,
      parameters: [{ name: 'xmlFormId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'the manifest', content: { 'text/xml': { schema: { type: 'string' } } } } },
    },
  },
  '/forms/{xmlFormId}/attachments/{name}': {
    get: {
      tags: ['devices'],
      summary: "OpenRosa: one of a form's media files",
      security: DEVICE_AUTH,
      parameters: [
        { name: 'xmlFormId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
      ],
      responses: { '200': { description: 'the file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } } },
    },
  },
  '/oauth2/token': {
    post: { tags: ['devices'], summary: "EarthRanger: the device's token (password grant with its login and secret)", security: [], responses: { '200': { description: 'an OAuth token answer' } } },
  },
  '/api/v1.0/user/me': { get: earthRanger('who the device is', '200') },
  '/api/v1.0/activity/events': { post: earthRanger('report events (sightings)', '201') },
  '/api/v1.0/activity/event/{id}': { patch: earthRanger('change an event', '200', true) },
  '/api/v1.0/activity/event/{id}/files': { post: earthRanger('attach a file to an event', '201', true) },
  '/api/v1.0/activity/event/{id}/notes': { post: earthRanger('add a note to an event', '201', true) },
};

const SCHEMAS = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'detail'],
    properties: {
      type: { type: 'string', example: 'about:blank' },
      title: { type: 'string', example: 'Not Found' },
      status: { type: 'integer', example: 404 },
      detail: { type: 'string', example: 'no project "kruger"' },
      errors: { type: 'array', items: { type: 'string' }, description: 'each refused field of a request body' },
      batches: { type: 'array', items: { $ref: '#/components/schemas/BatchAnswer' }, description: 'what a refused upload kept' },
    },
  },
  BatchAnswer: {
    type: 'object',
    required: ['id', 'status'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['received', 'consolidated', 'rejected', 'failed'], description: 'received: queued for the merge; otherwise merged at upload' },
      counts: {
        type: 'object',
        description: 'when merged at upload',
        properties: { records: { type: 'integer' }, new: { type: 'integer' }, updated: { type: 'integer' }, duplicate: { type: 'integer' }, rejected: { type: 'integer' } },
      },
    },
  },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const KEYED_DOORS = ['/upload', '/submission', '/formList', '/forms/'];

/** A door's operations under /key/{key}: the device's secret in the path, no other credentials. */
function withKey(item: Record<string, unknown>): never {
  for (const operation of Object.values(item) as { parameters?: unknown[]; security?: unknown[] }[]) {
    operation.parameters = [{ ...PATH_PARAMETER('key'), description: "the device's secret, as in its device URL" }, ...(operation.parameters ?? [])];
    operation.security = [];
  }
  return item as never;
}

/**
 * The OpenAPI document served at /api/docs: what Nest's decorators say of the admin API, the
 * device doors described by hand, and on every operation the one error shape (problem details).
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FieldSync')
      .setDescription('Device uploads (HTTP, OpenRosa, EarthRanger) and the admin API: projects, devices, tokens, batches, the sightings feed, people and the audit trail.')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an admin token, a device secret (device routes), or a person’s session cookie with X-CSRF-Token' }, 'bearer')
      .addBasicAuth({ type: 'http', scheme: 'basic', description: "a device's login and secret" }, 'device')
      .build(),
  );
  for (const [path, item] of Object.entries(DEVICE_PATHS)) {
    document.paths[path] = structuredClone(item) as never;
    // The device URL form (…/key/{secret}/…) of the HTTP and OpenRosa doors: the secret in the path instead of a login.
    if (!KEYED_DOORS.some((door) => path.startsWith(door))) continue;
    document.paths[`/key/{key}${path}`] = withKey(structuredClone(item));
  }
  document.paths['/v1/projects/{projectRef}/submission'] = {
    post: {
      ...structuredClone(DEVICE_PATHS['/submission'].post as object),
      summary: 'OpenRosa submission at the path ODK Central gives (the project in the path is checked)',
      parameters: [PATH_PARAMETER('projectRef')],
    },
  } as never;
  delete (document.components?.securitySchemes?.bearer as { bearerFormat?: string } | undefined)?.bearerFormat;
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...SCHEMAS, ...(ANSWER_SCHEMAS as Record<string, never>) } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const answer = ANSWERS[`${method} ${path}`] as { status?: string; schema?: unknown } | undefined;
      if (answer) {
        const [status, schema] = answer.status ? [answer.status, answer.schema] : ['200', answer];
        operation.responses = { ...operation.responses, [status]: { description: status === '201' ? 'Created' : 'OK', content: { 'application/json': { schema: schema as never } } } };
      }
      operation.responses = { ...operation.responses, default: PROBLEM_ANSWER };
      // A query parameter declared without a type gets an empty schema, which generated clients cannot use.
      for (const parameter of (operation.parameters ?? []) as { name: string; schema?: Record<string, unknown> }[]) {
        if (parameter.schema && Object.keys(parameter.schema).length > 0) continue;
        parameter.schema = parameter.name === 'limit' || parameter.name === 'after' ? { type: 'integer', minimum: parameter.name === 'limit' ? 1 : 0 } : { type: 'string' };
      }
    }
  }
  const feed = document.paths['/api/v1/projects/{slug}/sightings']?.get;
  if (feed) {
    feed.responses['200'] = {
      description: 'the window: a JSON page (format=json), or the file in the format asked for',
      content: {
        'application/json': { schema: FEED_PAGE as never },
        'text/csv': { schema: { type: 'string' } },
        'application/x-ndjson': { schema: { type: 'string' } },
        'application/geo+json': { schema: { type: 'object' } },
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } },
        'application/zip': { schema: { type: 'string', format: 'binary' } },
      },
    };
  }
  return document;
}
