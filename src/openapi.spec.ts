import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@fieldsync/sync-core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { setUpGateway } from '../apps/gateway/src/gateway.setup.js';
import { openApiDocument } from '../apps/gateway/src/openapi.js';

/** Express's routing table: each route's path (as OpenAPI writes it) and its methods (`_all` for @All). */
function mappedRoutes(app: NestExpressApplication): { path: string; methods: string[] }[] {
  type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> } };
  const stack = (app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } }).router.stack;
  return stack.flatMap((layer) =>
    layer.route ? [layer.route.path].flat().map((path) => ({ path: path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/', methods: Object.keys(layer.route!.methods) })) : [],
  );
}

describe('the OpenAPI document', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fieldsync-openapi-'));
  let app: NestExpressApplication;
  let document: OpenAPIObject;

  beforeAll(async () => {
    // Every role in one process (embedded mode), as `npm start` runs it; FTP on a port of the system's choosing.
    const config = loadConfig({ DATA_DIR: dataDir, FTP_PORT: '0', HTTP_PORT: '0', FIELDSYNC_ADMIN_TOKEN: 'openapi-spec-token-0123456789' });
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoles(config), { logger: false, bodyParser: false });
    setUpGateway(app, { tls: false, mapTileUrl: null, trustProxy: [] });
    await app.init();
    document = openApiDocument(app);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists every route the gateway maps, with each of its methods', () => {
    const routes = mappedRoutes(app).filter(({ path }) => !path.startsWith('/api/docs'));
    expect(routes.length).toBeGreaterThan(60);
    const missing = routes.flatMap(({ path, methods }) => {
      const item = (document.paths[path] ?? {}) as Record<string, unknown>;
      // @All: Express lists every method it knows; the door answers 405 to all but its own.
      if (methods.length > 20) return Object.keys(item).length > 0 ? [] : [`${path} (any method)`];
      return methods.filter((method) => !item[method]).map((method) => `${method.toUpperCase()} ${path}`);
    });
    expect(missing).toEqual([]);
  });

  it('gives every operation the one error shape and a typed schema for every parameter, and tokens no JWT format', () => {
    expect(document.components?.securitySchemes?.bearer).toEqual(expect.not.objectContaining({ bearerFormat: expect.anything() }));
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, { responses: Record<string, unknown>; parameters?: { name: string; schema?: { type?: string; enum?: unknown[] } }[] }>)) {
        expect(operation.responses.default, `${method} ${path}`).toMatchObject({ content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
        for (const parameter of operation.parameters ?? []) expect(parameter.schema?.type ?? parameter.schema?.enum, `${method} ${path} ${parameter.name}`).toBeDefined();
      }
    }
    const limit = document.paths['/api/v1/projects/{slug}/sightings'].get!.parameters!.find((parameter) => 'name' in parameter && parameter.name === 'limit');
    expect(limit).toMatchObject({ schema: { type: 'integer', minimum: 1 } });
  });
});
