import { createServer, Server } from 'node:http';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Database, FIELDSYNC_CONFIG, portProblem, QUEUE_TRANSPORT, readiness } from '@fieldsync/sync-core';
import type { FieldSyncConfig, QueueTransport } from '@fieldsync/sync-core';

/**
 * /health/live and /health/ready on HEALTH_PORT, for a process without the gateway (an FTP or
 * consolidator container has no HTTP door of its own for its orchestrator's health check).
 * Nothing else is served there.
 */
@Injectable()
export class HealthPort implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private server: Server | null = null;

  constructor(
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
    @Inject(Database) private readonly database: Database,
    @Inject(QUEUE_TRANSPORT) private readonly queue: QueueTransport,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.healthPort;
    if (port === null) return;
    const server = createServer((request, response) => {
      const answer = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method !== 'GET') return answer(405, { status: 'GET only' });
      if (request.url === '/health/live') return answer(200, { status: 'ok' });
      if (request.url !== '/health/ready') return answer(404, { status: 'only /health/live and /health/ready are here' });
      void readiness(this.database, this.queue).then(({ ready, body }) => answer(ready ? 200 : 503, body));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(portProblem(error, 'HEALTH_PORT', port, this.config.host)));
      server.listen(port, this.config.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`health checks on port ${port} (/health/live, /health/ready)`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
