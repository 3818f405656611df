import { BatchService, batchView } from '@fieldsync/sync-core';
import type { Project } from '@fieldsync/sync-core';
import { EventStream, serverSentEvent } from './event-streams.js';

const CHANGES_PER_POLL = 500;

/** Sends a `batch` event each time a batch of the project arrives or changes status, from `since` on. */
export async function followBatchChanges(batches: BatchService, project: Project, since: string, stream: EventStream): Promise<void> {
  let cursor = since;
  // Changes stamped with the cursor's own time were sent already; the next poll sees them again.
  let sentAtCursor = new Set<string>();
  const key = (batch: { id: string; status: string; updatedAt: string }) => `${batch.id}:${batch.status}:${batch.updatedAt}`;
  while (!stream.ended.aborted) {
    const changed = await batches.changedSince(project, cursor, CHANGES_PER_POLL).catch(() => []);
    stream.send(
      changed
        .filter((batch) => !sentAtCursor.has(key(batch)))
        .map((batch) => serverSentEvent('batch', batchView(batch)))
        .join(''),
    );
    if (changed.length > 0) {
      cursor = changed[changed.length - 1].updatedAt;
      sentAtCursor = new Set(changed.filter((batch) => batch.updatedAt === cursor).map(key));
    }
    await stream.pause();
  }
}
