import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { BatchService, batchView } from '@fieldsync/sync-core';
import type { Project } from '@fieldsync/sync-core';

const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;
const CHANGES_PER_POLL = 500;

/**
 * A project's batch changes as server-sent events, one stream per open console. The gateway
 * reads them from the database (the consolidator may be another process), at most once a
 * second per stream; a comment line every 15 s keeps proxies from closing a quiet stream.
 * Streams end when the gateway stops: an open console must not hold a restart up.
 */
@Injectable()
export class BatchChangeStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<AbortController>();

  constructor(@Inject(BatchService) private readonly batches: BatchService) {}

  async stream(project: Project, since: string, request: Request, response: Response): Promise<void> {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    const ended = new AbortController();
    this.open.add(ended);
    request.on('close', () => ended.abort());
    try {
      await this.follow(project, since, response, ended.signal);
    } finally {
      this.open.delete(ended);
      response.end();
    }
  }

  beforeApplicationShutdown(): void {
    for (const stream of this.open) stream.abort();
  }

  private async follow(project: Project, since: string, response: Response, ended: AbortSignal): Promise<void> {
    let cursor = since;
    // Changes stamped with the cursor's own time were sent already; the next poll sees them again.
    let sentAtCursor = new Set<string>();
    let quietSince = Date.now();
    const key = (batch: { id: string; status: string; updatedAt: string }) => `${batch.id}:${batch.status}:${batch.updatedAt}`;
    while (!ended.aborted) {
      const changed = await this.batches.changedSince(project, cursor, CHANGES_PER_POLL).catch(() => []);
      let text = '';
      for (const batch of changed) if (!sentAtCursor.has(key(batch))) text += `event: batch\ndata: ${JSON.stringify(batchView(batch))}\n\n`;
      if (changed.length > 0) {
        cursor = changed[changed.length - 1].updatedAt;
        sentAtCursor = new Set(changed.filter((batch) => batch.updatedAt === cursor).map(key));
      }
      if (!text && Date.now() - quietSince >= HEARTBEAT_MS) text = ': still here\n\n';
      if (text) {
        response.write(text);
        quietSince = Date.now();
      }
      await sleep(POLL_MS, undefined, { signal: ended }).catch(() => undefined);
    }
  }
}
