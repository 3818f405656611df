import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldSyncProcess, StoreUnderTest } from './support/fieldsync-process.js';
import { PrivateRedis } from './support/redis-server.js';

/** The README walk-through, run with bash exactly as written; only the server address differs. */
describe('README walk-through', () => {
  let store: StoreUnderTest;
  let redis: PrivateRedis;
  let server: FieldSyncProcess;

  beforeAll(async () => {
    [store, redis] = await Promise.all([StoreUnderTest.create('sqlite'), PrivateRedis.start()]);
    server = await FieldSyncProcess.start({ store, redisUrl: redis.url, env: { FIELDSYNC_ADMIN_TOKEN: 'my-own-long-admin-token' } });
  });

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await store?.destroy();
  });

  it('creates a project and a device, uploads the example file and downloads it as CSV', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /<!-- walkthrough:[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a marked walk-through block').toBeDefined();
    const script = block!.replace('S=http://localhost:8080', `S=${server.baseUrl}`);
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('"slug":"kruger"');
    expect(result.stdout).toMatch(/\{"batches":\[\{"id":"[0-9a-f-]{36}","status":"received"\}\]\}/);
    const csvLines = result.stdout.slice(result.stdout.indexOf('id,deviceId,kind')).trim().split('\r\n');
    expect(csvLines).toHaveLength(5);
    expect(csvLines.slice(1).map((line) => line.split(',')[2]).sort()).toEqual(['sighting', 'sighting', 'sighting', 'waypoint']);
    expect(csvLines.join('\n')).toContain('Wild dog');
  });
});
