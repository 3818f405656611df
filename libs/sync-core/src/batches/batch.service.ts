import { In, LessThan, MoreThanOrEqual } from 'typeorm';
import { Database } from '../db/database.js';
import { Batch, Door, Project, Rejection } from '../db/entities/index.js';
import { BatchRepository } from '../db/repositories/batch.repository.js';
import { ConflictError, NotFoundError } from '../errors.js';

export interface BatchView {
  id: string;
  projectId: string;
  deviceId: string | null;
  door: string;
  fileName: string | null;
  format: string | null;
  status: string;
  counts: { records: number; new: number; updated: number; duplicate: number; rejected: number };
  error: string | null;
  receivedAt: string;
  consolidatedAt: string | null;
  rejections?: { index: number; reason: string }[];
}

const MAX_REJECTIONS_SHOWN = 1000;

export function batchView(batch: Batch): BatchView {
  return {
    id: batch.id,
    projectId: batch.projectId,
    deviceId: batch.deviceId,
    door: batch.door,
    fileName: batch.fileName,
    format: batch.format,
    status: batch.status,
    counts: { records: batch.records, new: batch.new, updated: batch.updated, duplicate: batch.duplicate, rejected: batch.rejected },
    error: batch.error,
    receivedAt: batch.receivedAt,
    consolidatedAt: batch.consolidatedAt,
  };
}

export class BatchService {
  private readonly batches: BatchRepository;

  constructor(private readonly database: Database) {
    this.batches = new BatchRepository(database);
  }

  list(project: Project, limit: number, status: string | null): Promise<Batch[]> {
    return this.database.read((manager) =>
      manager.find(Batch, { where: { projectId: project.id, ...(status ? { status: status as Batch['status'] } : {}) }, order: { receivedAt: 'DESC' }, take: limit }),
    );
  }

  /** A batch with its rejections, if it belongs to one of `projectIds` (null = any). */
  async get(batchId: string, projectIds: string[] | null): Promise<BatchView> {
    const batch = await this.visible(batchId, projectIds);
    return this.database.read(async (manager) => {
      const rejections = await manager.find(Rejection, { where: { batchId }, order: { recordIndex: 'ASC' }, take: MAX_REJECTIONS_SHOWN });
      return { ...batchView(batch), rejections: rejections.map((rejection) => ({ index: rejection.recordIndex, reason: rejection.reason })) };
    });
  }

  /** The project's batches changed at or after `since` (ISO time), oldest change first: what a live list polls. */
  changedSince(project: Project, since: string, limit: number): Promise<Batch[]> {
    return this.database.read((manager) => manager.find(Batch, { where: { projectId: project.id, updatedAt: MoreThanOrEqual(since) }, order: { updatedAt: 'ASC' }, take: limit }));
  }

  /** The batch, if it belongs to one of `projectIds` (null = any); the same "not found" otherwise. */
  async visible(batchId: string, projectIds: string[] | null): Promise<Batch> {
    const batch = await this.database.read((manager) => manager.findOneBy(Batch, { id: batchId }));
    if (!batch || (projectIds && !projectIds.includes(batch.projectId))) throw new NotFoundError(`no batch "${batchId}"`);
    return batch;
  }

  /** Puts a failed batch back to wait for a merge; the caller queues it. */
  async retry(batch: Batch): Promise<void> {
    if (!(await this.batches.retryAlone(batch.id))) throw new ConflictError(`batch "${batch.id}" is ${batch.status}: only a failed batch can be retried`);
  }

  /** The unfinished batches, for /metrics. */
  backlog() {
    return this.batches.backlogAlone();
  }

  /** What one device sent through one door: file name, size and arrival, newest last. */
  filesSentBy(deviceId: string, door: Door): Promise<{ fileName: string; size: number; receivedAt: string }[]> {
    return this.batches.filesSentBy(deviceId, door);
  }

  /**
   * Gives a batch the name its sender settled on: FTP clients upload to a temporary name
   * (WinSCP's "file.ext.filepart") and rename it when the transfer is done.
   */
  async renameFile(batchId: string, fileName: string): Promise<void> {
    await this.database.transaction((manager) => manager.update(Batch, { id: batchId }, { fileName: fileName.slice(0, 1000) }));
  }

  /** A batch of this project that already holds exactly these bytes under this name, if any. */
  findSameFile(projectId: string, door: Door, fileName: string, sha256: string): Promise<Batch | null> {
    return this.batches.findSameFile(projectId, door, fileName, sha256);
  }

  statusOf(batchIds: string[]): Promise<Pick<Batch, 'id' | 'status' | 'error'>[]> {
    if (batchIds.length === 0) return Promise.resolve([]);
    return this.database.read((manager) => manager.find(Batch, { select: { id: true, status: true, error: true }, where: { id: In(batchIds) } }));
  }

  /** Batches that should have a consolidate job: never started, or started and abandoned. */
  unfinished(staleBefore: string, limit: number): Promise<Batch[]> {
    return this.database.read((manager) =>
      manager.find(Batch, {
        select: { id: true, status: true, updatedAt: true },
        where: [{ status: 'received' }, { status: In(['processing']), updatedAt: LessThan(staleBefore) }],
        order: { receivedAt: 'ASC' },
        take: limit,
      }),
    );
  }
}
