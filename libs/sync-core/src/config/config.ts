import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { isAbsolute, resolve, sep } from 'node:path';
import { shownUrl } from './shown-url.js';

export const ROLES = ['gateway', 'ftp-ingest', 'consolidator'] as const;
export type Role = (typeof ROLES)[number];

export interface FieldSyncConfig {
  dataDir: string;
  database: { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };
  /** Queue mode (BullMQ on Redis) when set; null runs the embedded in-process queue (every role in this process). */
  redisUrl: string | null;
  /** What this deployment's keys in Redis start with: two deployments on one Redis never take each other's jobs. */
  queuePrefix: string;
  /** The address the HTTP and FTP doors listen on (all of this host's by default). */
  host: string;
  httpPort: number;
  /** Slow clients: headers must arrive within headersTimeoutMs; a connection silent for idleTimeoutMs is closed. */
  http: { headersTimeoutMs: number; idleTimeoutMs: number; maxConnections: number };
  tls: { certPath: string; keyPath: string } | null;
  maxUploadBytes: number;
  /** A folder for uploaded files larger than 256 KB, shared by every process (BLOB_DIR); null keeps them in the database. */
  blobDir: string | null;
  /** Files up to this size merge inside the upload's own transaction (0: every file goes through the queue). */
  inlineMergeMaxBytes: number;
  /** A compressed body may inflate to this many times its size (beyond 16 MB); more is refused as a bomb. */
  maxCompressionRatio: number;
  /** Uploads one device may stream into one gateway at once; more are answered 429. */
  maxUploadsPerDevice: number;
  adminToken: string | null;
  roles: Role[];
  logFormat: 'json' | 'text';
  consolidatorConcurrency: number;
  reconcileIntervalMs: number;
  /** PUBLIC_URL: where devices reach this server; null means the address each request came in by. */
  publicUrl: string | null;
  ftp: {
    port: number;
    passivePorts: { min: number; max: number };
    publicHost: string;
    requireTls: boolean;
    maxSessions: number;
    maxSessionsPerAddress: number;
    idleTimeoutMs: number;
    /** A session that has not logged in by then is closed: connections that never log in must not fill FTP_MAX_SESSIONS. */
    loginTimeoutMs: number;
    /** Sessions from one address that have not logged in yet, at most. */
    maxUnauthenticatedPerAddress: number;
  };
  fileshareDirs: { dir: string; projectSlug: string; deviceLogin: string | null }[];
  fileshareScanMs: number;
  /** Encrypts pull-source passwords at rest; null until set (sources then cannot be created). */
  secretKey: string | null;
  pullSettleMs: number;
  /** What a project admin may point a pull source at; see SourcePolicy. */
  sources: {
    /** Folders (and what is below them) folder sources may read; empty: folder sources are off. */
    folders: string[];
    /** Whether ftp:// sources may reach private, loopback and link-local addresses. */
    allowPrivateNetworks: boolean;
  };
  /** Outbound delivery (webhook subscriptions). */
  delivery: {
    /** Whether subscriptions may point at private, loopback and link-local addresses. */
    allowPrivateNetworks: boolean;
    /** How often a consolidator looks for subscriptions with something to send. */
    pollMs: number;
    /** The longest wait between two tries to a failing receiver. */
    maxBackoffMs: number;
    /** A subscription failing for this long shows as "failing" (it keeps its place and goes on trying). */
    failingAfterMs: number;
    /** The longest one POST may take, answer included; a dead consolidator's claim lapses after twice this. */
    timeoutMs: number;
  };
  /** When set, /metrics answers only `Authorization: Bearer <this>`. */
  metricsToken: string | null;
  /**
   * The reverse proxies (addresses, CIDR ranges, or loopback/linklocal/uniquelocal) whose
   * X-Forwarded-For names the client: failed logins and the audit trail then count the device's
   * address, not the proxy's. Empty: the header is ignored, so no client can claim another address.
   */
  trustProxy: string[];
  /** A port where a role without the gateway answers /health/live and /health/ready (container health checks); null: none. */
  healthPort: number | null;
  /** The console map's optional raster basemap (a {z}/{x}/{y} URL) with its attribution; null: the bundled offline basemap only. */
  mapTiles: { url: string; attribution: string } | null;
}

/** A configuration value that stops start-up; the message names the variable and says what to do. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `"${raw}" is not a whole number; use a value between ${min} and ${max}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `${value} is out of range; use a value between ${min} and ${max}`);
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

function byteSize(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^(\d+)\s*([a-z]*)$/i.exec(raw);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined || Number(match[1]) === 0) {
    throw new ConfigError(name, `"${raw}" is not a size; write bytes or a size such as 500MB or 2GB`);
  }
  return Number(match[1]) * unit;
}

function databaseFrom(env: Env, dataDir: string): FieldSyncConfig['database'] {
  const url = env.DATABASE_URL?.trim();
  if (!url) return { type: 'sqlite', path: resolve(dataDir, 'fieldsync.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError('DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:///var/lib/fieldsync/db.sqlite');
    return { type: 'sqlite', path: isAbsolute(path) ? path : resolve(dataDir, path) };
  }
  throw new ConfigError('DATABASE_URL', `unsupported URL "${shownUrl(url)}"; use postgres://user:password@host:5432/db or leave it unset for SQLite in DATA_DIR`);
}

function rolesFrom(env: Env): Role[] {
  const raw = env.FIELDSYNC_ROLES?.trim();
  if (!raw || raw === 'all') return [...ROLES];
  const roles = raw
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('FIELDSYNC_ROLES', `unknown role "${role}"; use a comma-separated list of ${ROLES.join(', ')} (or "all")`);
    }
  }
  return [...new Set(roles)] as Role[];
}

function tlsFrom(env: Env): FieldSyncConfig['tls'] {
  const certPath = env.TLS_CERT?.trim();
  const keyPath = env.TLS_KEY?.trim();
  if (!certPath && !keyPath) return null;
  if (!certPath) throw new ConfigError('TLS_CERT', 'TLS_KEY is set but TLS_CERT is not; set both (PEM files) or neither');
  if (!keyPath) throw new ConfigError('TLS_KEY', 'TLS_CERT is set but TLS_KEY is not; set both (PEM files) or neither');
  return { certPath, keyPath };
}

function adminTokenFrom(env: Env): string | null {
  const token = env.FIELDSYNC_ADMIN_TOKEN?.trim();
  if (!token) return null;
  if (token.length < 16) throw new ConfigError('FIELDSYNC_ADMIN_TOKEN', 'is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 24`)');
  return token;
}

/**
 * QUEUE_PREFIX, or by default one derived from the database: processes of one deployment share a
 * database and so a prefix; another deployment on the same Redis gets another.
 */
function queuePrefixFrom(env: Env, database: FieldSyncConfig['database']): string {
  const raw = env.QUEUE_PREFIX?.trim();
  if (raw) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(raw)) throw new ConfigError('QUEUE_PREFIX', `"${raw}" must be 1-64 letters, digits, ".", "_" or "-"`);
    return raw;
  }
  const identity = database.type === 'postgres' ? database.url.replace(/\/\/[^@]*@/, '//') : database.path;
  return `fieldsync-${createHash('sha256').update(identity).digest('hex').slice(0, 8)}`;
}

/** An IPv4 or IPv6 address, or a host name, as Node's listen() takes it. */
function hostFrom(env: Env): string {
  const raw = text(env, 'HOST', '0.0.0.0');
  if (!/^(?:[0-9.]+|[0-9a-f:.]+|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)$/i.test(raw))
    throw new ConfigError('HOST', `"${raw}" is not an address to listen on; use e.g. 0.0.0.0 (every IPv4 address), :: (IPv6 too) or 192.168.1.10`);
  return raw;
}

/**
 * The address devices and people reach this server at (behind a proxy or a router), without a
 * trailing slash: what device settings, QR codes and OpenRosa links say. Null: the address a
 * request came in by.
 */
function publicUrlFrom(env: Env): string | null {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('PUBLIC_URL', `"${raw}" is not a URL; give the address devices reach this server at, such as https://fieldsync.example.org`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) {
    throw new ConfigError('PUBLIC_URL', `"${raw}" must be an http:// or https:// address without credentials, query or fragment, such as https://fieldsync.example.org`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function booleanFrom(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `"${raw}" is not true or false`);
}

function passivePortsFrom(env: Env): { min: number; max: number } {
  const raw = env.FTP_PASV_RANGE?.trim() || '30000-30199';
  const match = /^(\d{1,5})\s*-\s*(\d{1,5})$/.exec(raw);
  const [min, max] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || min < 1024 || max > 65535 || min > max) throw new ConfigError('FTP_PASV_RANGE', `"${raw}" is not a port range such as 30000-30199 (ports 1024-65535, low-high)`);
  return { min, max };
}

/** `/srv/share/kruger=kruger` or `/srv/share/k7=kruger:kruger-1a2b3c4d`, separated by commas or semicolons. */
function fileshareDirsFrom(env: Env): FieldSyncConfig['fileshareDirs'] {
  const raw = env.FILESHARE_DIRS?.trim();
  if (!raw) return [];
  return raw
    .split(/[;,]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(.+)=([a-z0-9-]+)(?::([^:\s]+))?$/.exec(entry);
      if (!match || !isAbsolute(match[1])) {
        throw new ConfigError('FILESHARE_DIRS', `"${entry}" is not "/absolute/folder=project-slug" (optionally ":device-login")`);
      }
      return { dir: resolve(match[1]), projectSlug: match[2], deviceLogin: match[3] ?? null };
    });
}

function secretKeyFrom(env: Env): string | null {
  const key = env.FIELDSYNC_SECRET_KEY?.trim();
  if (!key) return null;
  if (key.length < 32)
    throw new ConfigError('FIELDSYNC_SECRET_KEY', 'is shorter than 32 characters; use a long random value (e.g. `openssl rand -hex 32`) and keep it: it decrypts stored source passwords');
  return key;
}

function metricsTokenFrom(env: Env): string | null {
  const token = env.METRICS_TOKEN?.trim();
  if (!token) return null;
  if (token.length < 16) throw new ConfigError('METRICS_TOKEN', 'is shorter than 16 characters; use a long random value (e.g. `openssl rand -hex 24`)');
  return token;
}

/** `TRUST_PROXY=10.0.0.0/8,loopback`: what Express's "trust proxy" takes, checked here so a typo stops start-up. */
function trustProxyFrom(env: Env): string[] {
  const entries = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, ...rest] = entry.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    const family = isIP(address);
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!named && (family === 0 || !prefixOk || rest.length > 0)) {
      throw new ConfigError('TRUST_PROXY', `"${entry}" is not an address, a range such as 10.0.0.0/8, or loopback, linklocal or uniquelocal (list your reverse proxy's address)`);
    }
  }
  return entries;
}

function mapTilesFrom(env: Env): FieldSyncConfig['mapTiles'] {
  const url = env.MAP_TILE_URL?.trim();
  if (!url) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url.replace(/\{[xyz]\}/g, '0'));
  } catch {
    parsed = null;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !['{z}', '{x}', '{y}'].every((part) => url.includes(part))) {
    throw new ConfigError('MAP_TILE_URL', `must be an http(s) raster tile URL with {z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (got "${url}")`);
  }
  return { url, attribution: text(env, 'MAP_TILE_ATTRIBUTION', parsed.host) };
}

/** `SOURCE_FOLDERS=/srv/outbox:/mnt/share`: absolute folders, never DATA_DIR or BLOB_DIR, inside them or above them. */
function sourceFoldersFrom(env: Env, serverDirs: { variable: string; dir: string }[]): string[] {
  const raw = env.SOURCE_FOLDERS?.trim();
  if (!raw) return [];
  return raw
    .split(/[:;,]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      if (!isAbsolute(entry)) throw new ConfigError('SOURCE_FOLDERS', `"${entry}" is not an absolute folder path; list folders such as /srv/outbox, separated by ":"`);
      const folder = resolve(entry);
      const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
      for (const { variable, dir } of serverDirs) {
        if (inside(dir, folder) || inside(folder, dir)) {
          throw new ConfigError('SOURCE_FOLDERS', `"${entry}" holds or is inside ${variable} (${dir}), where FieldSync keeps its data: list only folders devices' files arrive in`);
        }
      }
      return folder;
    });
}

/** Reads and validates the environment once, at start; nothing else reads process.env. */
export function loadConfig(env: Env = process.env): FieldSyncConfig {
  const dataDir = resolve(text(env, 'DATA_DIR', './data'));
  // A relative BLOB_DIR is a folder of DATA_DIR (BLOB_DIR=blobs).
  const blobDir = env.BLOB_DIR?.trim() ? resolve(dataDir, env.BLOB_DIR.trim()) : null;
  const logFormat = text(env, 'LOG_FORMAT', 'text');
  if (logFormat !== 'json' && logFormat !== 'text') throw new ConfigError('LOG_FORMAT', `"${logFormat}" is not json or text`);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL', `"${redisUrl}" is not a redis:// or rediss:// URL`);
  const roles = rolesFrom(env);
  if (redisUrl === null && roles.length < ROLES.length) {
    throw new ConfigError(
      'REDIS_URL',
      `is not set, but FIELDSYNC_ROLES runs only ${roles.join(', ')} here: processes with split roles share their jobs through Redis, so set REDIS_URL (e.g. redis://127.0.0.1:6379), or leave FIELDSYNC_ROLES unset to run everything in this one process without Redis`,
    );
  }
  return {
    dataDir,
    database: databaseFrom(env, dataDir),
    redisUrl,
    host: hostFrom(env),
    queuePrefix: queuePrefixFrom(env, databaseFrom(env, dataDir)),
    httpPort: integer(env, 'HTTP_PORT', 8080, 0, 65535),
    publicUrl: publicUrlFrom(env),
    http: {
      headersTimeoutMs: integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 30_000, 1000, 600_000),
      idleTimeoutMs: integer(env, 'HTTP_IDLE_TIMEOUT_MS', 120_000, 1000, 86_400_000),
      maxConnections: integer(env, 'HTTP_MAX_CONNECTIONS', 5000, 1, 1_000_000),
    },
    tls: tlsFrom(env),
    maxUploadBytes: byteSize(env, 'MAX_UPLOAD_BYTES', 512 * 1024 ** 2),
    blobDir,
    // At most one blob chunk: only a body held whole in memory is merged at once.
    inlineMergeMaxBytes: integer(env, 'INLINE_MERGE_MAX_BYTES', 256 * 1024, 0, 256 * 1024),
    maxCompressionRatio: integer(env, 'MAX_COMPRESSION_RATIO', 32, 2, 100_000),
    maxUploadsPerDevice: integer(env, 'MAX_UPLOADS_PER_DEVICE', 16, 1, 1000),
    adminToken: adminTokenFrom(env),
    roles,
    logFormat,
    consolidatorConcurrency: integer(env, 'CONSOLIDATOR_CONCURRENCY', 2, 1, 64),
    reconcileIntervalMs: integer(env, 'RECONCILE_INTERVAL_MS', 15_000, 200, 3_600_000),
    ftp: {
      port: integer(env, 'FTP_PORT', 2121, 0, 65535),
      passivePorts: passivePortsFrom(env),
      publicHost: text(env, 'FTP_PUBLIC_HOST', '127.0.0.1'),
      requireTls: booleanFrom(env, 'FTP_REQUIRE_TLS', false),
      maxSessions: integer(env, 'FTP_MAX_SESSIONS', 200, 1, 100_000),
      maxSessionsPerAddress: integer(env, 'FTP_MAX_SESSIONS_PER_ADDRESS', 60, 1, 100_000),
      idleTimeoutMs: integer(env, 'FTP_IDLE_TIMEOUT_MS', 300_000, 1000, 86_400_000),
      loginTimeoutMs: integer(env, 'FTP_LOGIN_TIMEOUT_MS', 30_000, 1000, 600_000),
      maxUnauthenticatedPerAddress: integer(env, 'FTP_MAX_UNAUTHENTICATED_PER_ADDRESS', 20, 1, 100_000),
    },
    fileshareDirs: fileshareDirsFrom(env),
    fileshareScanMs: integer(env, 'FILESHARE_SCAN_MS', 2000, 100, 3_600_000),
    secretKey: secretKeyFrom(env),
    pullSettleMs: integer(env, 'PULL_SETTLE_MS', 2000, 0, 600_000),
    sources: {
      folders: sourceFoldersFrom(env, [{ variable: 'DATA_DIR', dir: dataDir }, ...(blobDir ? [{ variable: 'BLOB_DIR', dir: blobDir }] : [])]),
      allowPrivateNetworks: booleanFrom(env, 'SOURCE_ALLOW_PRIVATE_NETWORKS', false),
    },
    mapTiles: mapTilesFrom(env),
    metricsToken: metricsTokenFrom(env),
    trustProxy: trustProxyFrom(env),
    healthPort: env.HEALTH_PORT?.trim() ? integer(env, 'HEALTH_PORT', 0, 1, 65535) : null,
    delivery: {
      allowPrivateNetworks: booleanFrom(env, 'DELIVERY_ALLOW_PRIVATE_NETWORKS', false),
      pollMs: integer(env, 'DELIVERY_POLL_MS', 1000, 50, 60_000),
      maxBackoffMs: integer(env, 'DELIVERY_MAX_BACKOFF_MS', 300_000, 100, 86_400_000),
      failingAfterMs: integer(env, 'DELIVERY_FAILING_AFTER_MS', 3_600_000, 1000, 30 * 86_400_000),
      timeoutMs: integer(env, 'DELIVERY_TIMEOUT_MS', 30_000, 500, 600_000),
    },
  };
}

export const FIELDSYNC_CONFIG = Symbol('FIELDSYNC_CONFIG');
