import { AdminClient } from '../../support/admin-client.js';
import { ADMIN_TOKEN, FieldSyncProcess, StoreKind, StoreUnderTest } from '../../support/fieldsync-process.js';
import { PrivatePostgres } from '../../support/private-postgres.js';
import { PrivateRedis } from '../../support/redis-server.js';
import { DeviceCredentials, Door } from './simulated-device.js';

export interface ClusterShape {
  gateways?: number;
  ftpIngest?: number;
  consolidators?: number;
  /** Environment for every process. */
  env?: Record<string, string>;
  store?: StoreKind;
  /** One process with every role and no Redis (embedded mode), standing in as gateway, FTP ingest and consolidator. */
  embedded?: boolean;
  /** The PostgreSQL server to create the database on (a PrivatePostgres a scenario restarts). */
  postgres?: PrivatePostgres;
  dataDir?: string;
}

/**
 * FieldSync as production runs it: each role in its own OS process (`FIELDSYNC_ROLES`), all on one
 * database and a private redis-server; or, `embedded`, as `npm start` runs it: one process, no
 * Redis. Processes can be killed and started again on their ports.
 */
export class Cluster {
  readonly gateways: FieldSyncProcess[] = [];
  readonly ftpIngest: FieldSyncProcess[] = [];
  readonly consolidators: FieldSyncProcess[] = [];
  /** Every secret handed out, to check that no log line ever shows one. */
  readonly secrets = new Set<string>([ADMIN_TOKEN]);
  private readonly retiredLogs: string[] = [];

  private constructor(
    readonly store: StoreUnderTest,
    readonly redis: PrivateRedis | null,
    private readonly env: Record<string, string>,
  ) {}

  static async start(shape: ClusterShape): Promise<Cluster> {
    const [store, redis] = await Promise.all([
      StoreUnderTest.create(shape.store ?? 'postgres', { postgresAdminUrl: shape.postgres?.adminUrl, dataDir: shape.dataDir }),
      shape.embedded ? null : PrivateRedis.start(),
    ]);
    const cluster = new Cluster(store, redis, shape.env ?? {});
    if (shape.embedded) {
      const all = await cluster.launch('all');
      cluster.gateways.push(all);
      cluster.ftpIngest.push(all);
      cluster.consolidators.push(all);
      return cluster;
    }
    // The gateway runs the migrations; the others start on the migrated schema.
    for (let i = 0; i < (shape.gateways ?? 1); i++) cluster.gateways.push(await cluster.launch('gateway'));
    const others = [
      ...Array.from({ length: shape.ftpIngest ?? 0 }, () => cluster.launch('ftp-ingest').then((p) => cluster.ftpIngest.push(p))),
      ...Array.from({ length: shape.consolidators ?? 1 }, () => cluster.launch('consolidator').then((p) => cluster.consolidators.push(p))),
    ];
    await Promise.all(others);
    return cluster;
  }

  get admin(): AdminClient {
    return new AdminClient(this.gateways[0].baseUrl);
  }

  gatewayUrls(): string[] {
    return this.gateways.map((gateway) => gateway.baseUrl);
  }

  /** Devices sending over HTTP to any gateway; read at each attempt, so restarted processes are found. */
  get httpDoor(): Door {
    return { kind: 'http', baseUrls: () => this.gatewayUrls() };
  }

  /** Devices sending to the (first) FTP ingest process, wherever it was restarted. */
  get ftpDoor(): Door {
    return { kind: 'ftp', port: () => this.ftpIngest[0].ftpPort };
  }

  async createProject(slug: string, devices: number): Promise<DeviceCredentials[]> {
    await this.admin.createProject(slug);
    const created: DeviceCredentials[] = [];
    for (let i = 0; i < devices; i++) {
      const device = await this.admin.createDevice(slug, `handheld ${i}`);
      this.secrets.add(device.secret).add(Buffer.from(`${device.login}:${device.secret}`).toString('base64'));
      created.push(device);
    }
    return created;
  }

  /** kill -9, then the same roles on the same ports again (after `downMs`), as a supervisor would. */
  async crashAndRestart(process: FieldSyncProcess, downMs = 0): Promise<FieldSyncProcess> {
    await process.kill();
    this.retiredLogs.push(process.logs);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    const replacement = await process.relaunch();
    for (const list of [this.gateways, this.ftpIngest, this.consolidators]) {
      const index = list.indexOf(process);
      if (index >= 0) list[index] = replacement;
    }
    return replacement;
  }

  /** Every line every process of this cluster wrote, including processes that were killed. */
  get logs(): string {
    return [...this.retiredLogs, ...this.processes().map((p) => p.logs)].join('\n');
  }

  /** Each running process once (in embedded mode one process plays every part). */
  private processes(): FieldSyncProcess[] {
    return [...new Set([...this.gateways, ...this.ftpIngest, ...this.consolidators])];
  }

  /** Secrets (or their Basic-auth encodings) that appear in some log line. */
  leakedSecrets(): string[] {
    const logs = this.logs;
    return [...this.secrets].filter((secret) => logs.includes(secret));
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes().map((p) => p.stop()));
    await this.redis?.stop();
    await this.store.destroy();
  }

  private launch(roles: string): Promise<FieldSyncProcess> {
    return FieldSyncProcess.start({ store: this.store, redisUrl: this.redis?.url ?? null, roles, env: this.env });
  }
}
