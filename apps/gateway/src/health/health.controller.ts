import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConsolidateQueue, Database, metricsRegistry } from '@fieldsync/sync-core';

const CHECK_TIMEOUT_MS = 2000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))])
    .finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(Database) private readonly database: Database, @Inject(ConsolidateQueue) private readonly queue: ConsolidateQueue) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** Ready means both stores answer; uploads are still accepted while Redis is away, but an operator should know. */
  @Get('health/ready')
  async ready(@Res() response: Response): Promise<void> {
    const check = (probe: Promise<unknown>) => within(probe, CHECK_TIMEOUT_MS).then(() => ({ status: 'ok' }), (error: Error) => ({ status: 'down', error: error.message }));
    const [database, redis] = await Promise.all([check(this.database.ping()), check(this.queue.ping())]);
    const ready = database.status === 'ok' && redis.status === 'ok';
    response.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: ready ? 'ok' : 'degraded', database, redis });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
