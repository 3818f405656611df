import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Database, metricsRegistry, QUEUE_TRANSPORT, SubscriptionService, subscriptionsByState } from '@fieldsync/sync-core';
import type { QueueTransport } from '@fieldsync/sync-core';

const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(QUEUE_TRANSPORT) private readonly queue: QueueTransport,
    @Inject(SubscriptionService) private readonly subscriptions: SubscriptionService,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready means the database and the queue answer (in embedded mode the queue is this process);
   * uploads are still accepted while Redis is away, but an operator should know.
   */
  @Get('health/ready')
  async ready(@Res() response: Response): Promise<void> {
    const check = (probe: Promise<unknown>) =>
      within(probe, CHECK_TIMEOUT_MS).then(
        () => ({ status: 'ok' }),
        (error: Error) => ({ status: 'down', error: error.message }),
      );
    const [database, queue] = await Promise.all([check(this.database.ping()), check(this.queue.ping())]);
    const ready = database.status === 'ok' && queue.status === 'ok';
    const queueKey = this.queue.mode === 'queue' ? 'redis' : 'queue';
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: ready ? 'ok' : 'degraded', mode: this.queue.mode, database, [queueKey]: queue });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async metrics(): Promise<string> {
    const states = await this.subscriptions.countByState().catch(() => null);
    for (const [state, count] of Object.entries(states ?? {})) subscriptionsByState.set({ state }, count);
    return metricsRegistry.metrics();
  }
}
