import { StoreUnderTest } from '../../support/fieldsync-process.js';
import { waitFor } from '../../support/ports.js';
import { Ledger } from './ledger.js';

export interface Reconciliation {
  expected: number;
  found: number;
  lost: number;
  duplicated: number;
  /** Rows nobody sent: a garbled file decoded into sightings that never existed. */
  unexpected: number;
}

/** Waits until no committed batch is left to consolidate (received or processing). */
export async function allConsolidated(store: StoreUnderTest, timeoutMs = 240_000): Promise<void> {
  await waitFor('every batch consolidated', async () => (await store.count('batch', "status IN ('received', 'processing')")) === 0, timeoutMs, 250);
}

/**
 * Compares what the devices were told was stored with what the database holds. Every sighting
 * here is sent once and never edited, so a second revision or a second row is a duplicate.
 */
export async function reconcile(store: StoreUnderTest, project: string, ledger: Ledger): Promise<Reconciliation> {
  const rows = await store.query<{ uid: string; revision: number | string }>(
    `SELECT s.uid, s.revision FROM sighting s JOIN project p ON p.id = s.project_id WHERE p.slug = '${project.replace(/'/g, "''")}'`,
  );
  const found = new Map<string, number>();
  let duplicated = 0;
  for (const row of rows) {
    found.set(row.uid, (found.get(row.uid) ?? 0) + 1);
    if (Number(row.revision) !== 1) duplicated++;
  }
  for (const copies of found.values()) duplicated += copies - 1;
  let lost = 0;
  for (const uid of ledger.expectedUids) if (!found.has(uid)) lost++;
  let unexpected = 0;
  for (const uid of found.keys()) if (!ledger.expectedUids.has(uid)) unexpected++;
  return { expected: ledger.expectedUids.size, found: found.size, lost, duplicated, unexpected };
}
