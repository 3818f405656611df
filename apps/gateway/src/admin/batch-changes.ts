import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { BatchService, batchView } from '@fieldsync/sync-core';
import type { Project } from '@fieldsync/sync-core';

const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;
const CHANGES_PER_POLL = 500;

/**
 * Streams a project's batch changes as server-sent events until the client leaves. The gateway
 * reads them from the database (the consolidator may be another process), at most once a
 * second per open console; a comment line every 15 s keeps proxies from closing a quiet stream.
 */
export async function streamBatchChanges(batches: BatchService, project: Project, since: string, request: Request, response: Response): Promise<void> {
  response.status(200);
  response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Accel-Buffering', 'no');
  response.flushHeaders();
  const gone = new AbortController();
  request.on('close', () => gone.abort());

  let cursor = since;
  // Changes stamped with the cursor's own time were sent already; a later poll sees them again.
  let sentAtCursor = new Set<string>();
  let quietSince = Date.now();
  while (!gone.signal.aborted) {
    const changed = await batches.changedSince(project, cursor, CHANGES_PER_POLL).catch(() => []);
    let text = '';
    for (const batch of changed) {
      const key = `${batch.id}:${batch.status}:${batch.updatedAt}`;
      if (sentAtCursor.has(key)) continue;
      text += `event: batch\ndata: ${JSON.stringify(batchView(batch))}\n\n`;
    }
    if (changed.length > 0) {
      cursor = changed[changed.length - 1].updatedAt;
      sentAtCursor = new Set(changed.filter((batch) => batch.updatedAt === cursor).map((batch) => `${batch.id}:${batch.status}:${batch.updatedAt}`));
    }
    if (!text && Date.now() - quietSince >= HEARTBEAT_MS) text = ': still here\n\n';
    if (text) {
      response.write(text);
      quietSince = Date.now();
    }
    await sleep(POLL_MS, undefined, { signal: gone.signal }).catch(() => undefined);
  }
  response.end();
}
