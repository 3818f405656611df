import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Batch, Door } from '../db/entities/index.js';
import { UploadTooLargeError } from '../errors.js';
import { batchesReceived, bytesReceived } from '../observability/metrics.js';
import { ConsolidateQueue } from '../queue/consolidate-queue.js';
import { BLOB_CHUNK_BYTES, BlobStore } from './blob-store.js';

export interface IncomingFile {
  projectId: string;
  deviceId: string | null;
  door: Door;
  fileName: string | null;
  body: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>;
}

/**
 * The one door every upload goes through: bytes into the blob store (hashed, counted, limited),
 * a committed batch row, then a consolidate job. A caller acknowledges its client only after
 * `accept` resolves; if it throws, nothing of the upload is left behind.
 */
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly database: Database,
    private readonly blobs: BlobStore,
    private readonly queue: ConsolidateQueue,
    private readonly maxUploadBytes: number,
  ) {}

  async accept(file: IncomingFile): Promise<Batch> {
    const hash = createHash('sha256');
    let pendingBlobId: string | null = null;
    let size = 0;
    let chunkIdx = 0;
    // One chunk-sized buffer per upload, filled and stored over and over: the drivers copy the
    // bytes during the insert, so memory stays at one chunk whatever the size of the file.
    const chunk = Buffer.allocUnsafeSlow(BLOB_CHUNK_BYTES);
    let filled = 0;

    const flush = async () => {
      const isFirst = pendingBlobId === null;
      pendingBlobId ??= randomUUID();
      await this.blobs.appendChunk(pendingBlobId, chunkIdx++, chunk.subarray(0, filled), isFirst);
      filled = 0;
    };

    try {
      for await (const piece of file.body) {
        const buffer = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
        size += buffer.length;
        if (size > this.maxUploadBytes) throw new UploadTooLargeError(this.maxUploadBytes);
        hash.update(buffer);
        let offset = 0;
        while (offset < buffer.length) {
          const copied = buffer.copy(chunk, filled, offset);
          filled += copied;
          offset += copied;
          if (filled === BLOB_CHUNK_BYTES) await flush();
        }
      }
      const sha256 = hash.digest('hex');
      const batch = await this.database.transaction(async (manager) => {
        let blobId: string;
        if (pendingBlobId === null) {
          // The common small upload: blob and batch in a single transaction.
          blobId = (await this.blobs.putWhole(manager, chunk.subarray(0, filled))).blobId;
        } else {
          if (filled > 0) await this.blobs.insertChunk(manager, pendingBlobId, chunkIdx++, chunk.subarray(0, filled));
          blobId = await this.blobs.finalize(manager, pendingBlobId, sha256, size);
        }
        const now = nowIso();
        const batch: Batch = {
          id: randomUUID(), projectId: file.projectId, deviceId: file.deviceId, door: file.door,
          fileName: file.fileName?.slice(0, 255) ?? null, blobId, format: null, status: 'received',
          records: 0, new: 0, updated: 0, duplicate: 0, rejected: 0, error: null, attempts: 0,
          receivedAt: now, updatedAt: now, consolidatedAt: null,
        };
        await manager.insert(Batch, batch);
        return batch;
      });
      batchesReceived.inc({ door: file.door });
      bytesReceived.inc({ door: file.door }, size);
      this.logger.log({ message: 'batch received', batchId: batch.id, door: file.door, bytes: size, sha256 });
      await this.queue.enqueue(batch.id);
      return batch;
    } catch (error) {
      if (pendingBlobId !== null) await this.blobs.discardPending(pendingBlobId).catch(() => undefined);
      throw error;
    }
  }
}
