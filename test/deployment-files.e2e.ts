import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml cannot be run here (no Docker), so its structure is checked against what
 * it must hold and against the code: a renamed setting or a new role shows up here, not in a
 * production container that silently ignores a variable.
 */
const ROOT = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const FIELDSYNC_ROLES = ['gateway', 'ftp-ingest', 'consolidator'];

/** Every variable the configuration reads (libs/sync-core/src/config). */
function configVariables(): Set<string> {
  const folder = join(ROOT, 'libs/sync-core/src/config');
  const names = new Set<string>();
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))) {
    for (const match of readFileSync(join(folder, file), 'utf8').matchAll(/env(?:\.|\[')([A-Z][A-Z0-9_]+)|\(env, '([A-Z][A-Z0-9_]+)'/g)) names.add(match[1] ?? match[2]);
  }
  return names;
}

/** `${NAME}`, `${NAME:-default}` and `${NAME:?message}` references, with whether each must be set. */
function references(text: string): Map<string, 'required' | 'optional'> {
  const found = new Map<string, 'required' | 'optional'>();
  for (const match of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(:\?|:-)?[^}]*\}/g)) found.set(match[1], match[2] === ':?' ? 'required' : 'optional');
  return found;
}

describe('the deployment files', () => {
  it('has every role, the stores and a TLS proxy, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['caddy', 'consolidator', 'ftp-ingest', 'gateway', 'postgres', 'redis']);
    for (const [name, service] of Object.entries(compose.services)) expect(service.healthcheck?.test, name).toBeDefined();
    // A role without the gateway answers its health check on HEALTH_PORT, the port its check asks.
    for (const role of ['ftp-ingest', 'consolidator']) {
      const port = compose.services[role].environment?.HEALTH_PORT;
      expect(port, role).toMatch(/^\d+$/);
      expect(compose.services[role].healthcheck!.test.join(' '), role).toContain(`127.0.0.1:${port}/health/live`);
    }
    expect(compose.services.gateway.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${compose.services.gateway.environment!.HTTP_PORT}/health/live`);
  });

  it('publishes only the proxy and the FTP door, so gateways scale without a port clash', () => {
    const publishing = Object.entries(compose.services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(publishing.sort()).toEqual(['caddy', 'ftp-ingest']);
    expect(compose.services.caddy.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    const caddyfile = read('deploy/Caddyfile');
    expect(caddyfile).toMatch(new RegExp(`dynamic a gateway ${compose.services.gateway.environment!.HTTP_PORT}\\b`));
    expect(caddyfile).toContain('{$FIELDSYNC_DOMAIN}');
    expect(compose.services.caddy.environment).toHaveProperty('FIELDSYNC_DOMAIN');
    // The gateways count failed logins by the device's address, which Caddy names.
    expect(compose.services.gateway.environment!.TRUST_PROXY).toBe('uniquelocal');
  });

  it('sets on FieldSync containers only variables the configuration reads', () => {
    const known = configVariables();
    expect(known.size).toBeGreaterThan(30);
    for (const role of FIELDSYNC_ROLES) {
      const environment = compose.services[role].environment ?? {};
      expect(environment.FIELDSYNC_ROLES, role).toBe(role);
      for (const name of Object.keys(environment)) expect(known.has(name), `${role} sets ${name}, which FieldSync does not read`).toBe(true);
    }
  });

  it('requires what has no safe default, and .env.example names exactly what the compose file asks for', () => {
    const asked = references(read('docker-compose.yml'));
    for (const name of ['FTP_PUBLIC_HOST', 'FIELDSYNC_ADMIN_TOKEN', 'FIELDSYNC_SECRET_KEY', 'POSTGRES_PASSWORD', 'FIELDSYNC_DOMAIN', 'ACME_EMAIL']) expect(asked.get(name), name).toBe('required');
    const example = new Set([...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    expect([...example].sort()).toEqual([...asked.keys()].sort());
  });

  it('lets the node user write where FieldSync keeps data, and mounts a volume there', () => {
    const dockerfile = read('Dockerfile');
    const dataDir = /ENV [^\n]*DATA_DIR=(\S+)/.exec(dockerfile)?.[1];
    expect(dataDir).toBeDefined();
    expect(dockerfile).toMatch(new RegExp(`chown node:node[^\\n]*${dataDir}`));
    expect(dockerfile).toMatch(/chown node:node[^\n]*\/srv\/share/);
    expect(dockerfile).toMatch(/^USER node$/m);
    for (const role of FIELDSYNC_ROLES) expect(compose.services[role].volumes, role).toContain(`fieldsync-data:${dataDir}`);
    expect(compose.volumes).toHaveProperty('fieldsync-data');
    // Every role reads the files the others wrote: BLOB_DIR is one folder on the volume they share.
    for (const role of FIELDSYNC_ROLES) expect(compose.services[role].environment?.BLOB_DIR, role).toMatch(new RegExp(`^${dataDir}/`));
  });
});
