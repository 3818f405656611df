import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Logger } from '@nestjs/common';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Batch, Door } from '../db/entities/index.js';
import { batchesReceived, bytesReceived } from '../observability/metrics.js';
import { ConsolidateQueue } from '../queue/consolidate-queue.js';
import { decodedInMemory } from '../merge/decoded-file.js';
import { HeldFeeds, MergeService } from '../merge/merge.service.js';
import { BlobStore } from './blob-store.js';
import { GroupCommit } from './group-commit.js';

export interface IncomingFile {
  projectId: string;
  deviceId: string | null;
  door: Door;
  fileName: string | null;
  body: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>;
}

/**
 * The one door every upload goes through: bytes into the blob store (hashed, counted, limited),
 * then one transaction that commits the blob and the batch row, shared with the other uploads
 * arriving at the same moment (GroupCommit). A small file is merged in that same transaction and
 * is in the feed when the upload is acknowledged; a larger one gets a consolidate job. A caller
 * acknowledges its client only after `accept` resolves; if it throws, nothing of the upload is
 * left behind.
 */
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly commits: GroupCommit<HeldFeeds>;

  constructor(
    database: Database,
    private readonly blobs: BlobStore,
    private readonly queue: ConsolidateQueue,
    private readonly merge: MergeService,
    private readonly limits: { maxUploadBytes: number; inlineMergeMaxBytes: number },
  ) {
    this.commits = new GroupCommit<HeldFeeds>(database, { start: () => new Map(), finishInTx: (tx, held) => merge.saveHeldFeedsInTx(tx, held) });
  }

  /**
   * `alsoCommit` runs inside the batch's transaction, for rows that must be committed with the
   * batch or not at all (e.g. what an OpenRosa submission's instance id now stands for).
   */
  async accept(file: IncomingFile, alsoCommit?: (manager: EntityManager, batch: Batch) => Promise<void>): Promise<Batch> {
    const pending = await this.blobs.streamIn(file.body, this.limits.maxUploadBytes);
    const mergeNow = pending.wholeBytes !== null && pending.size <= this.limits.inlineMergeMaxBytes ? pending.wholeBytes : null;
    try {
      const batch = await this.commits.run<Batch>(file.projectId, {
        write: async (manager) => {
          const blobId = await pending.commit(manager);
          const now = nowIso();
          const batch: Batch = {
            id: randomUUID(),
            projectId: file.projectId,
            deviceId: file.deviceId,
            door: file.door,
            fileName: file.fileName?.slice(0, 255) ?? null,
            blobId,
            format: null,
            status: 'received',
            records: 0,
            new: 0,
            updated: 0,
            duplicate: 0,
            rejected: 0,
            error: null,
            attempts: 0,
            receivedAt: now,
            updatedAt: now,
            consolidatedAt: null,
          };
          await manager.insert(Batch, batch);
          if (alsoCommit) await alsoCommit(manager, batch);
          return batch;
        },
        ...(mergeNow && {
          lockAndWrite: async (manager, batch, held) => {
            // Decoded here, not before: a group that rolls back runs each upload again from its bytes.
            const { status, format, counts, error, finishedAt } = await this.merge.mergeReceivedInTx(manager, batch, await decodedInMemory(mergeNow, batch.fileName), held);
            return { ...batch, status, format, ...counts, error, updatedAt: finishedAt, consolidatedAt: status === 'consolidated' ? finishedAt : null };
          },
        }),
      });
      batchesReceived.inc({ door: file.door });
      bytesReceived.inc({ door: file.door }, pending.size);
      this.logger.log({ message: 'batch received', batchId: batch.id, door: file.door, bytes: pending.size, sha256: pending.sha256 });
      if (batch.status === 'received') await this.queue.enqueue(batch.id);
      else this.merge.recordMerged(batch.id, batch.status, { at: 'upload' });
      return batch;
    } catch (error) {
      await pending.discard();
      throw error;
    }
  }
}
