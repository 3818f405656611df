import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import ftpSrv, { FtpConnection } from 'ftp-srv';
import { addToCount, BatchService, DeviceLogin, FIELDSYNC_CONFIG, IngestService, portProblem, readTlsFiles } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { DeviceFileSystem } from './device-file-system.js';
import { ControlConnection } from './ingest-write-stream.js';
import { patchFtpSrvPassive } from './ftp-srv-passive.patch.js';
import { patchFtpSrvStorReplies } from './ftp-srv-stor.patch.js';
import { patchFtpSrvTls } from './ftp-srv-tls.patch.js';

const { FtpSrv } = ftpSrv;
type FtpServer = InstanceType<typeof FtpSrv>;

const MAX_FAILED_LOGIN_DELAY_MS = 8000;

/** ftp-srv expects a bunyan logger; this one keeps its warnings and errors and drops the chatter (which could include commands). */
function ftpLog(logger: Logger) {
  const log = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (...args: unknown[]) => logger.warn(describe(args)),
    error: (...args: unknown[]) => logger.debug?.(describe(args)),
    child: () => log,
  };
  return log;
}

function describe(args: unknown[]): string {
  return args
    .map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : ''))
    .filter(Boolean)
    .join(' ');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ends a session with 421 and a reason the client shows. */
function closeWith(connection: FtpConnection, reason: string): void {
  void (connection.close as unknown as (code: number, message: string) => Promise<unknown>).call(connection, 421, reason);
}

/**
 * The FTP/FTPS door: devices log in with their login and secret and STOR files into their own
 * virtual folder; each file becomes a batch through IngestService, acknowledged (226) only after
 * it is committed.
 */
@Injectable()
export class FtpServerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('FtpDoor');
  private server: FtpServer | null = null;
  private readonly sessionsByAddress = new Map<string, number>();
  private readonly loggingInByAddress = new Map<string, number>();
  /** Sessions that have not logged in yet, each with the timer that closes it at FTP_LOGIN_TIMEOUT_MS. */
  private readonly loggingIn = new Map<FtpConnection, NodeJS.Timeout>();

  constructor(
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
    @Inject(DeviceLogin) private readonly deviceLogin: DeviceLogin,
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(BatchService) private readonly batches: BatchService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ftp } = this.config;
    const tls = readTlsFiles(this.config.tls);
    patchFtpSrvTls();
    patchFtpSrvStorReplies();
    patchFtpSrvPassive();
    const signalListeners = new Map(['SIGTERM', 'SIGINT', 'SIGQUIT'].map((signal) => [signal, process.listeners(signal as NodeJS.Signals)]));
    const server = new FtpSrv({
      url: `ftp://${this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host}:${ftp.port}`,
      pasv_url: ftp.publicHost,
      pasv_min: ftp.passivePorts.min,
      pasv_max: ftp.passivePorts.max,
      tls: tls ?? false,
      anonymous: false,
      greeting: ['FieldSync: log in with your device login and secret'],
      timeout: ftp.idleTimeoutMs,
      log: ftpLog(this.logger),
    });
    // ftp-srv exits the process on SIGTERM by itself; Nest's shutdown hooks must run instead.
    for (const [signal, before] of signalListeners) {
      for (const listener of process.listeners(signal as NodeJS.Signals)) if (!before.includes(listener)) process.removeListener(signal, listener);
    }
    (server as unknown as { server: { maxConnections: number } }).server.maxConnections = ftp.maxSessions;
    server.on('connect' as never, ({ connection }: { connection: FtpConnection }) => this.onConnect(connection));
    server.on('disconnect', ({ connection }) => this.onDisconnect(connection));
    server.on('login', ({ connection, username, password }, resolve, reject) => {
      this.login(connection, username, password).then(resolve, reject);
    });
    await server.listen().catch((error: unknown) => Promise.reject(portProblem(error, 'FTP_PORT', ftp.port, this.config.host)));
    this.server = server;
    const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
    this.logger.log(
      `FTP listening on port ${address.port}${tls ? ' (explicit TLS available)' : ''}${ftp.requireTls ? ', TLS required' : ''}; passive ports ${ftp.passivePorts.min}-${ftp.passivePorts.max} announced as ${ftp.publicHost}`,
    );
    if (ftp.publicHost === '127.0.0.1') this.logger.warn("FTP_PUBLIC_HOST is 127.0.0.1: devices on other machines need it set to this server's address for passive transfers");
  }

  private onConnect(connection: FtpConnection): void {
    const { ftp } = this.config;
    const address = connection.ip;
    const sessions = addToCount(this.sessionsByAddress, address, +1);
    const waiting = addToCount(this.loggingInByAddress, address, +1);
    this.loggingIn.set(
      connection,
      setTimeout(() => closeWith(connection, `log in within ${ftp.loginTimeoutMs / 1000} s of connecting`), ftp.loginTimeoutMs),
    );
    if (sessions > ftp.maxSessionsPerAddress) closeWith(connection, `too many sessions from your address (limit ${ftp.maxSessionsPerAddress}); try again later`);
    else if (waiting > ftp.maxUnauthenticatedPerAddress)
      closeWith(connection, `too many sessions from your address that have not logged in (limit ${ftp.maxUnauthenticatedPerAddress}); log in, or try again later`);
  }

  /** The session logged in: it no longer counts against the login deadline and the cap of sessions not logged in. */
  private onLoggedIn(connection: FtpConnection): void {
    const timer = this.loggingIn.get(connection);
    if (!timer) return;
    clearTimeout(timer);
    this.loggingIn.delete(connection);
    addToCount(this.loggingInByAddress, connection.ip, -1);
  }

  private onDisconnect(connection: FtpConnection): void {
    this.onLoggedIn(connection);
    addToCount(this.sessionsByAddress, connection.ip, -1);
  }

  private async login(connection: FtpConnection, login: string, secret: string) {
    if (this.config.ftp.requireTls && !connection.secure) throw new Error('this server requires TLS: use FTPS (AUTH TLS) before logging in');
    const result = await this.deviceLogin.authenticate({ login, secret }, connection.ip);
    if (result.outcome === 'throttled') throw new Error(`too many failed logins; try again in ${result.retryAfterSeconds} s`);
    if (result.outcome === 'refused') {
      // Each further wrong guess waits longer before the answer.
      await sleep(Math.min(250 * 2 ** (result.failures - 1), MAX_FAILED_LOGIN_DELAY_MS));
      throw new Error('login or secret is wrong, or the device is disabled');
    }
    this.onLoggedIn(connection);
    return { fs: new DeviceFileSystem(connection, result.device, this.ingest, this.batches, this.controlOf(connection)) };
  }

  /**
   * ftp-srv closes a session whose control connection is silent for FTP_IDLE_TIMEOUT_MS, but a
   * client is silent on it for as long as a transfer runs: over a slow link a large file would be
   * cut off. Data arriving re-arms the timer, so only a stalled transfer or an idle session times out.
   */
  private controlOf(connection: FtpConnection): ControlConnection {
    type CommandSocket = { destroyed: boolean; writable: boolean; setTimeout(ms: number): void };
    const initial = (connection as unknown as { commandSocket: CommandSocket }).commandSocket;
    const socket = () => (connection as unknown as { commandSocket?: CommandSocket }).commandSocket ?? initial;
    let lastRearm = 0;
    return {
      gone: () => socket().destroyed || !socket().writable,
      busy: () => {
        const now = Date.now();
        if (now - lastRearm < 1000) return;
        lastRearm = now;
        socket().setTimeout(this.config.ftp.idleTimeoutMs);
      },
    };
  }

  /** Before the workers and the database close, so no device starts a session that cannot be finished. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.loggingIn.values()) clearTimeout(timer);
    this.loggingIn.clear();
    await this.server?.close();
    this.server = null;
  }
}
