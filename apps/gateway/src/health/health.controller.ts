import { Controller, Get, Headers, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  BatchService,
  batchesByStatus,
  Database,
  FIELDSYNC_CONFIG,
  metricsRegistry,
  oldestWaitingBatchSeconds,
  QUEUE_TRANSPORT,
  SubscriptionService,
  subscriptionsByState,
} from '@fieldsync/sync-core';
import type { FieldSyncConfig, QueueTransport } from '@fieldsync/sync-core';
import { sendProblem } from '../problem.js';

const CHECK_TIMEOUT_MS = 2000;

/** Compares digests, so the time taken tells neither how much of a guess was right nor the token's length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

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
    @Inject(BatchService) private readonly batches: BatchService,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
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

  /**
   * Prometheus metrics: this process's counters, and what the database says of every process
   * (the batch backlog, the subscriptions). With METRICS_TOKEN set, only for its Bearer.
   */
  @Get('metrics')
  async metrics(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    if (this.config.metricsToken && !sameSecret(/^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '', this.config.metricsToken)) {
      sendProblem(response, HttpStatus.UNAUTHORIZED, 'metrics need Authorization: Bearer <METRICS_TOKEN>');
      return;
    }
    const [states, backlog] = await Promise.all([this.subscriptions.countByState().catch(() => null), this.batches.backlog().catch(() => null)]);
    for (const [state, count] of Object.entries(states ?? {})) subscriptionsByState.set({ state }, count);
    if (backlog) {
      for (const [status, count] of Object.entries(backlog.counts)) batchesByStatus.set({ status }, count);
      oldestWaitingBatchSeconds.set(backlog.oldestWaitingAt ? Math.max(0, (Date.now() - Date.parse(backlog.oldestWaitingAt)) / 1000) : 0);
    }
    response
      .status(200)
      .type('text/plain; version=0.0.4')
      .send(await metricsRegistry.metrics());
  }
}
