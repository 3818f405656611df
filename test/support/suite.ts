import { afterAll, beforeAll } from 'vitest';
import { AdminClient } from './admin-client.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from './fieldsync-process.js';
import { PrivateRedis } from './redis-server.js';

export interface FieldSyncSuite {
  store: StoreUnderTest;
  /** Null in embedded mode. */
  redis: PrivateRedis | null;
  server: FieldSyncProcess;
  admin: AdminClient;
}

export type QueueMode = 'queue' | 'embedded';

/** Every database in both queue modes: for suites that must hold whether or not Redis carries the jobs. */
export const STORES_AND_QUEUE_MODES: [StoreKind, QueueMode][] = [
  ['sqlite', 'queue'],
  ['postgres', 'queue'],
  ['sqlite', 'embedded'],
  ['postgres', 'embedded'],
];

/**
 * Starts one FieldSync process (all roles) for the enclosing describe block, on its own store
 * and, in queue mode, its own private Redis (embedded mode runs with none), and stops
 * everything afterwards. The returned object fills in before the first test runs.
 */
export function fieldSyncSuite(kind: StoreKind, env: Record<string, string> = {}, mode: QueueMode = 'queue'): FieldSyncSuite {
  const suite = {} as FieldSyncSuite;
  beforeAll(async () => {
    [suite.store, suite.redis] = await Promise.all([StoreUnderTest.create(kind), mode === 'queue' ? PrivateRedis.start() : null]);
    suite.server = await FieldSyncProcess.start({ store: suite.store, redisUrl: suite.redis?.url ?? null, env });
    suite.admin = new AdminClient(suite.server.baseUrl);
  });
  afterAll(async () => {
    await suite.server?.stop();
    await suite.redis?.stop();
    await suite.store?.destroy();
  });
  return suite;
}
