import { afterAll, beforeAll } from 'vitest';
import { AdminClient } from './admin-client.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from './fieldsync-process.js';
import { PrivateRedis } from './redis-server.js';

export type QueueMode = 'queue' | 'embedded';

/** Every database in both queue modes: for suites that must hold whether or not Redis carries the jobs. */
export const STORES_AND_QUEUE_MODES: [StoreKind, QueueMode][] = [
  ['sqlite', 'queue'],
  ['postgres', 'queue'],
  ['sqlite', 'embedded'],
  ['postgres', 'embedded'],
];

export interface SuiteOptions {
  /** Environment of the FieldSync process, beside what the suite sets (store, ports, Redis). */
  env?: Record<string, string>;
  /** Queue mode (a private Redis, the default) or embedded mode (no Redis at all). */
  mode?: QueueMode;
  /** Extra node options for the server, e.g. a --require of connect-spy.cjs. */
  nodeArgs?: string[];
  /** In queue mode, the server starts while its Redis is stopped (a test resumes it). */
  redisStopped?: boolean;
  /** The server's HTTP port, when a test needs to know it before the server starts. */
  port?: number;
}

export interface FieldSyncSuite {
  store: StoreUnderTest;
  /** Null in embedded mode. */
  redis: PrivateRedis | null;
  server: FieldSyncProcess;
  admin: AdminClient;
  /**
   * The same server again on the same ports, after a graceful stop or a kill -9, as a supervisor
   * restarts it; `whileDown` runs between the two.
   */
  restart(how?: 'stop' | 'kill', whileDown?: () => void | Promise<void>): Promise<void>;
}

/**
 * The one harness of the end-to-end suites: starts one FieldSync process (all roles) for the
 * enclosing describe block, on its own store and, in queue mode, its own private Redis, and
 * stops everything afterwards. The returned object fills in before the first test runs.
 * (Suites of several processes, one role each, use the reliability harness's Cluster.)
 */
export function fieldSyncSuite(kind: StoreKind, options: SuiteOptions = {}): FieldSyncSuite {
  const mode = options.mode ?? 'queue';
  const suite = {
    async restart(how: 'stop' | 'kill' = 'stop', whileDown?: () => void | Promise<void>) {
      if (how === 'kill') await suite.server.kill();
      else await suite.server.stop();
      await whileDown?.();
      suite.server = await suite.server.relaunch();
      suite.admin = new AdminClient(suite.server.baseUrl);
    },
  } as FieldSyncSuite;
  beforeAll(async () => {
    [suite.store, suite.redis] = await Promise.all([StoreUnderTest.create(kind), mode === 'queue' ? PrivateRedis.start() : null]);
    if (options.redisStopped) await suite.redis?.stop();
    suite.server = await FieldSyncProcess.start({ store: suite.store, redisUrl: suite.redis?.url ?? null, env: options.env ?? {}, nodeArgs: options.nodeArgs, port: options.port });
    suite.admin = new AdminClient(suite.server.baseUrl);
  });
  afterAll(async () => {
    await suite.server?.stop();
    await suite.redis?.stop();
    await suite.store?.destroy();
  });
  return suite;
}

export interface FieldSyncSite {
  store: StoreUnderTest;
  /** Null in embedded mode. */
  redis: PrivateRedis | null;
  /** Starts a FieldSync process on the site's store and Redis; every one is stopped after the block. */
  start(options?: { roles?: string; env?: Record<string, string>; nodeArgs?: string[]; port?: number; ftpPort?: number }): Promise<FieldSyncProcess>;
  /** The same process again after it stopped or was killed (same roles and ports); stopped after the block too. */
  relaunch(process: FieldSyncProcess): Promise<FieldSyncProcess>;
}

/**
 * The same harness for suites that start processes of their own (one role each, or each test its
 * own configuration): one store and one private Redis for the block, torn down after it.
 */
export function fieldSyncSite(kind: StoreKind, mode: QueueMode = 'queue'): FieldSyncSite {
  const started: FieldSyncProcess[] = [];
  const site = {
    async start(options = {}) {
      const process = await FieldSyncProcess.start({ store: site.store, redisUrl: site.redis?.url ?? null, env: {}, ...options });
      started.push(process);
      return process;
    },
    async relaunch(stopped) {
      const process = await stopped.relaunch();
      started.push(process);
      return process;
    },
  } as FieldSyncSite;
  beforeAll(async () => {
    [site.store, site.redis] = await Promise.all([StoreUnderTest.create(kind), mode === 'queue' ? PrivateRedis.start() : null]);
  });
  afterAll(async () => {
    await Promise.all(started.map((process) => process.stop()));
    await site.redis?.stop();
    await site.store?.destroy();
  });
  return site;
}
