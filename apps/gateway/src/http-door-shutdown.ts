import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { EventStreams } from './admin/event-streams.js';

/** How long a stop waits for uploads already being received; orchestrators kill after 10 s. */
const IN_FLIGHT_GRACE_MS = 7000;

/**
 * Nest closes the HTTP server only after every shutdown hook, the database's included, so a
 * request arriving during a stop would meet a closed database. The door closes first instead:
 * no new connection is taken, idle keep-alive ones are dropped, and requests under way get a
 * few seconds to finish (an upload cut off is not acknowledged, and the device sends it again);
 * live event streams end at once.
 */
@Injectable()
export class HttpDoorShutdown implements BeforeApplicationShutdown {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(EventStreams) private readonly streams: EventStreams,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    // Live streams never end by themselves: an open console must not hold a restart up.
    this.streams.endAll();
    if (!server?.listening) return;
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 200);
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, IN_FLIGHT_GRACE_MS)))]);
    clearInterval(idle);
    clearTimeout(timer);
    server.closeAllConnections();
  }
}
