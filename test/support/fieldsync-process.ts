import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { freePorts, StopWaiting, waitFor } from './ports.js';
import { TestPostgresDatabase } from './postgres-database.js';

// Tests and benchmarks run from the repository root (npm scripts), against the built server.
const MAIN = resolve(process.cwd(), 'dist/src/main.js');
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

export type StoreKind = 'sqlite' | 'postgres';

/** The database a test's FieldSync processes share, and a way to look into it directly. */
export class StoreUnderTest {
  private constructor(
    readonly kind: StoreKind,
    readonly dataDir: string,
    private readonly postgres: TestPostgresDatabase | null,
  ) {}

  /** `options.postgresAdminUrl` puts the database on another server (a PrivatePostgres); `dataDir` on a given folder. */
  static async create(kind: StoreKind, options: { postgresAdminUrl?: string; dataDir?: string } = {}): Promise<StoreUnderTest> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'fieldsync-e2e-'));
    return new StoreUnderTest(kind, dataDir, kind === 'postgres' ? await TestPostgresDatabase.create(options.postgresAdminUrl) : null);
  }

  get env(): Record<string, string> {
    return { DATA_DIR: this.dataDir, ...(this.postgres ? { DATABASE_URL: this.postgres.url } : {}) };
  }

  async query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    if (this.postgres) return this.postgres.query<T>(sql);
    const db = new Sqlite(join(this.dataDir, 'fieldsync.sqlite'), { readonly: true, timeout: 10_000 });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  /** A statement that changes the store under a running server (e.g. a trigger that makes a step fail). */
  async execute(sql: string): Promise<void> {
    if (this.postgres) {
      await this.postgres.query(sql);
      return;
    }
    const db = new Sqlite(join(this.dataDir, 'fieldsync.sqlite'), { timeout: 10_000 });
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  }

  async count(table: string, where = 'TRUE'): Promise<number> {
    const rows = await this.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`);
    return Number(rows[0].n);
  }

  async destroy(): Promise<void> {
    await this.postgres?.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export interface StartOptions {
  store: StoreUnderTest;
  /** Queue mode on this Redis; null starts the embedded mode (no REDIS_URL at all). */
  redisUrl: string | null;
  roles?: string;
  env?: Record<string, string>;
  /** Extra node options, e.g. a --require of test/support/connect-spy.cjs. */
  nodeArgs?: string[];
  /** Reuse ports, as a restarted server would (clients keep their address). */
  port?: number;
  ftpPort?: number;
}

/** A real FieldSync process (node dist/src/main.js), as an operator would start it. */
export class FieldSyncProcess {
  private output = '';
  readonly pid: number;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly ftpPort: number,
    private readonly options: StartOptions,
  ) {
    this.pid = child.pid!;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(options: StartOptions): Promise<FieldSyncProcess> {
    const free = (await freePorts(3)).filter((candidate) => candidate !== options.port && candidate !== options.ftpPort);
    const port = options.port ?? free[0]!;
    const ftpPort = options.ftpPort ?? free[1]!;
    // A passive range of its own, so test servers running side by side do not race for ports, and
    // below Linux's ephemeral range (32768+), which the tests' own client connections draw from.
    const passiveBase = 20_000 + Math.floor(Math.random() * 120) * 100;
    // e.g. FIELDSYNC_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers a benchmark starts.
    const nodeArgs = [...(process.env.FIELDSYNC_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(options.nodeArgs ?? [])];
    const child = spawn(process.execPath, [...nodeArgs, MAIN], {
      env: {
        PATH: process.env.PATH!,
        ...options.store.env,
        ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
        HTTP_PORT: String(port),
        FTP_PORT: String(ftpPort),
        FTP_PASV_RANGE: `${passiveBase}-${passiveBase + 99}`,
        FIELDSYNC_ADMIN_TOKEN: ADMIN_TOKEN,
        FIELDSYNC_ROLES: options.roles ?? 'all',
        RECONCILE_INTERVAL_MS: '1000',
        // The address the tests reach it at, as an operator sets it (a test of the unset case passes PUBLIC_URL: '').
        PUBLIC_URL: `${options.env?.TLS_CERT ? 'https' : 'http'}://127.0.0.1:${port}`,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new FieldSyncProcess(child, port, ftpPort, options);
    await waitFor(
      'FieldSync to start',
      async () => {
        if (child.exitCode !== null) throw new StopWaiting(`exited with ${child.exitCode}:\n${started.output}`);
        // "FTP listening on port …" comes earlier; only the HTTP line (or, without a gateway, "started") means ready.
        return /listening on https?:\/\/|started \(roles/.test(started.output);
      },
      60_000,
    );
    return started;
  }

  /** The same roles on the same ports, as an orchestrator restarts a container. */
  relaunch(): Promise<FieldSyncProcess> {
    return FieldSyncProcess.start({ ...this.options, port: this.port, ftpPort: this.ftpPort });
  }

  get roles(): string {
    return this.options.roles ?? 'all';
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.output;
  }

  /** A graceful stop (SIGTERM), as an orchestrator does it. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGSTOP: the process holds its connections but does nothing until resumed (a fault scenario's lever). */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}
