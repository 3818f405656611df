import 'reflect-metadata';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { ConsoleLogger, INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, FieldSyncConfig, loadConfig, portProblem, readTlsFiles, shownUrl } from '@fieldsync/sync-core';
import { AppModule } from './app.module.js';
import { setUpGateway } from '../apps/gateway/src/gateway.setup.js';
import { AdminBootstrap } from '../apps/gateway/src/admin/admin-bootstrap.js';

/**
 * Nest's logger, except that what stops start-up for a reason the operator can fix (a
 * configuration error, a port that cannot be listened on) is not also printed as a stack trace:
 * main() says it in one sentence naming the variable.
 */
class StartupLogger extends ConsoleLogger {
  /** Nest's table of every route mapped at start (about 60 lines) buried the first-start token: it is left out. */
  override log(message: unknown, ...rest: unknown[]): void {
    if (rest.some((part) => part === 'RouterExplorer' || part === 'RoutesResolver')) return;
    super.log(message, ...(rest as [string?]));
  }

  override error(message: unknown, ...rest: unknown[]): void {
    const configuration = message instanceof ConfigError || rest.some((part) => typeof part === 'string' && part.startsWith('ConfigError:'));
    const listening = typeof message === 'string' && /^Error: listen (EADDRINUSE|EACCES|EADDRNOTAVAIL)/.test(message);
    if (configuration || listening) return;
    super.error(message, ...(rest as [string?, string?]));
  }
}

/** Fails before anything starts (and before Nest says "successfully started") when a port cannot be had. */
async function assertPortFree(port: number, host: string, variable: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(portProblem(error, variable, port, host)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

async function start(config: FieldSyncConfig): Promise<INestApplicationContext> {
  if (config.roles.includes('gateway')) await assertPortFree(config.httpPort, config.host, 'HTTP_PORT');
  if (config.roles.includes('ftp-ingest')) await assertPortFree(config.ftp.port, config.host, 'FTP_PORT');
  if (config.healthPort !== null && !config.roles.includes('gateway')) await assertPortFree(config.healthPort, config.host, 'HEALTH_PORT');
  // V8 lets the old generation grow to up to 4× what is live before it collects. Streaming an
  // export or an upload promotes a steady flow of short-lived rows and chunks, so a gateway with
  // 47 MB live peaked at 314 MB RSS during a 1M-row export; growing by 50% at most keeps it at
  // about 190 MB for about 8% of the speed (bench/README.md). Consolidators keep V8's default.
  if (config.roles.includes('gateway')) setFlagsFromString('--heap-growing-percent=50');
  // Colours, and objects spread over several lines, only on a terminal: a log file or a collector
  // gets one plain line per event.
  const terminal = process.stdout.isTTY === true;
  const logger = new StartupLogger({ json: config.logFormat === 'json', prefix: 'FieldSync', colors: terminal, compact: !terminal });
  const module = AppModule.forRoles(config);
  if (!config.roles.includes('gateway')) {
    const context = await NestFactory.createApplicationContext(module, { logger, abortOnError: false });
    context.enableShutdownHooks();
    Logger.log(`started (roles: ${config.roles.join(', ')}; ${queueMode(config)})`, 'FieldSync');
    return context;
  }
  const app = await NestFactory.create<NestExpressApplication>(module, { logger, bodyParser: false, httpsOptions: readTlsFiles(config.tls), abortOnError: false });
  app.enableShutdownHooks();
  setUpGateway(app, { tls: config.tls !== null, mapTileUrl: config.mapTiles?.url ?? null, trustProxy: config.trustProxy });
  limitSlowClients(app.getHttpServer(), config.http);
  await app.listen(config.httpPort, config.host).catch((error: unknown) => Promise.reject(portProblem(error, 'HTTP_PORT', config.httpPort, config.host)));
  // Only a start that succeeded may make or replace the bootstrap token.
  await app.get(AdminBootstrap).ensure();
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.httpPort;
  Logger.log(
    `listening on ${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port} (roles: ${config.roles.join(', ')}; ${queueMode(config)})`,
    'FieldSync',
  );
  return app;
}

function queueMode(config: FieldSyncConfig): string {
  return config.redisUrl ? `queue mode, Redis at ${shownUrl(config.redisUrl)}` : 'embedded mode, no Redis: set REDIS_URL for queue mode';
}

/**
 * Slow-drip clients (slowloris) must not hold connections forever, yet a large upload over a poor
 * link may take an hour: so headers get a deadline, a connection that stops sending is closed,
 * and a whole request has no deadline (Node's default of 5 minutes would cut such uploads off).
 */
function limitSlowClients(server: Server, limits: FieldSyncConfig['http']): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = 0;
  server.timeout = limits.idleTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // How often Node checks the headers deadline (30 s by default); read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(5000, Math.ceil(limits.headersTimeoutMs / 4));
}

async function main(): Promise<void> {
  let config: FieldSyncConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`FieldSync cannot start: ${error.message}\n`);
    process.exit(78);
  }
  try {
    await start(config);
  } catch (error) {
    const reason = error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
    process.stderr.write(`FieldSync cannot start: ${reason}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  }
}

void main();
