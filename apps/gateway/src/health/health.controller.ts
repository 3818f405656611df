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
  readiness,
  SubscriptionService,
  subscriptionsByState,
} from '@fieldsync/sync-core';
import type { FieldSyncConfig, QueueTransport } from '@fieldsync/sync-core';
import { sendProblem } from '../problem.js';

/** Compares digests, so the time taken tells neither how much of a guess was right nor the token's length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
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

  /** Whether the database and the queue answer (readiness). */
  @Get('health/ready')
  async ready(@Res() response: Response): Promise<void> {
    const { ready, body } = await readiness(this.database, this.queue);
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(body);
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
