import { BatchRepository, ClaimedBatch } from '../db/repositories/batch.repository.js';
import { BlobStore } from '../ingest/blob-store.js';
import { DecodedFile, decodedInMemory } from './decoded-file.js';

/** Files up to this size are decoded before the merge transaction (see MergeGroupPicker). */
const SMALL_FILE_BYTES = 1024 * 1024;
/** At most this many small files of one project are merged in one transaction. */
const GROUP_SIZE = 32;

export interface GroupMember {
  batch: ClaimedBatch;
  /** Decoded already (a small file), or null: decoded while read inside the transaction. */
  file: DecodedFile | null;
}

/**
 * Chooses which waiting files merge together. A small file is read and decoded before the
 * project's lock is taken, so that lock (which orders every merge of the project) is held only
 * for the writes; other small files of the project waiting their turn join the same
 * transaction: one lock and one commit for all, in the order they arrived.
 */
export class MergeGroupPicker {
  constructor(
    private readonly batches: BatchRepository,
    private readonly blobs: BlobStore,
  ) {}

  /** The claimed batch and its companions, oldest first; null when the batch is finished already. */
  async pick(batchId: string): Promise<{ own: GroupMember; group: GroupMember[] } | null> {
    const claimed = await this.batches.claimAlone(batchId);
    if (!claimed) return null;
    const small = (await this.blobs.readSmall([claimed.blobId], SMALL_FILE_BYTES)).get(claimed.blobId);
    const own: GroupMember = { batch: claimed, file: small ? await decodedInMemory(small, claimed.fileName) : null };
    const group = [own, ...(small ? await this.companionsOf(claimed) : [])].sort((a, b) => a.batch.receivedAt.localeCompare(b.batch.receivedAt));
    return { own, group };
  }

  /**
   * Claims up to GROUP_SIZE - 1 other small files of the project still waiting, each decoded.
   * Once merged, their own jobs are dropped from the queue (ConsolidateBatchJob); if this merge
   * fails, those jobs merge them one by one, so one bad file never holds up the others.
   */
  private async companionsOf(batch: ClaimedBatch): Promise<GroupMember[]> {
    const companions = await this.batches.claimSmallWaitingAlone(batch.projectId, batch.id, SMALL_FILE_BYTES, GROUP_SIZE - 1);
    const files = await this.blobs.readSmall(
      companions.map((companion) => companion.blobId),
      SMALL_FILE_BYTES,
    );
    return Promise.all(
      companions.map(async (companion) => {
        const bytes = files.get(companion.blobId);
        return { batch: companion, file: bytes ? await decodedInMemory(bytes, companion.fileName) : null };
      }),
    );
  }
}
