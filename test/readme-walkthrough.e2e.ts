import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldSyncSuite, QueueMode } from './support/suite.js';

const CONNECT_SPY = resolve(import.meta.dirname, 'support/connect-spy.cjs');

/**
 * The README walk-through, run with bash exactly as written; only the server address differs.
 * `npm start` runs embedded (no REDIS_URL): every outgoing connection the server tries is
 * recorded, and none may go to Redis. Queue mode runs the same walk-through on a private Redis,
 * which also shows the recording sees a Redis connection when there is one.
 */
describe.each<QueueMode>(['embedded', 'queue'])('README walk-through, %s mode', (mode) => {
  const suite = fieldSyncSuite('sqlite', { mode, nodeArgs: ['--require', CONNECT_SPY], env: { FIELDSYNC_ADMIN_TOKEN: 'my-own-long-admin-token' } });

  it('creates a project and a device, uploads the example file and downloads it as CSV', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /<!-- walkthrough:[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'README has a marked walk-through block').toBeDefined();
    const script = block!.replace('S=http://localhost:8080', `S=${suite.server.baseUrl}`);
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('"slug":"kruger"');
    // The example file is small: merged in its upload's own transaction, and the answer says what it held.
    expect(result.stdout).toMatch(/\{"batches":\[\{"id":"[0-9a-f-]{36}","status":"consolidated","counts":\{"records":4,"new":4,"updated":0,"duplicate":0,"rejected":0\}\}\]\}/);
    const csvLines = result.stdout.slice(result.stdout.indexOf('id,deviceId,deviceName,deviceLogin,kind')).trim().split('\n');
    expect(csvLines).toHaveLength(5);
    expect(
      csvLines
        .slice(1)
        .map((line) => line.split(',')[4])
        .sort(),
    ).toEqual(['sighting', 'sighting', 'sighting', 'waypoint']);
    expect(csvLines.join('\n')).toContain('Wild dog');

    const attempts = suite.server.logs
      .split('\n')
      .filter((line) => line.startsWith('connect-spy: '))
      .map((line) => line.slice('connect-spy: '.length));
    expect(attempts[0]).toBe('loaded');
    if (mode === 'embedded') {
      expect(suite.server.logs).toMatch(/embedded mode, no Redis/);
      expect(attempts.slice(1)).toEqual([]);
    } else {
      expect(attempts).toContain(`127.0.0.1:${new URL(suite.redis!.url).port}`);
    }
  });
});
