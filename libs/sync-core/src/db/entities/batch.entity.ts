import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { idColumn, timeColumn } from '../columns.js';

export type BatchStatus = 'received' | 'processing' | 'consolidated' | 'rejected' | 'failed';
export type Door = 'http' | 'ftp' | 'fileshare' | 'pull' | 'cli' | 'openrosa' | 'earthranger';

@Entity('batch')
@Index(['projectId', 'receivedAt'])
@Index(['status'])
@Index('IDX_batch_project_updated', ['projectId', 'updatedAt'])
@Index('IDX_batch_device_received', ['deviceId', 'receivedAt'])
export class Batch {
  @PrimaryColumn(idColumn) id: string;
  @Column({ ...idColumn, name: 'project_id' }) projectId: string;
  @Column({ ...idColumn, name: 'device_id', nullable: true }) deviceId: string | null;
  @Column({ type: 'varchar', length: 16 }) door: Door;
  @Column({ type: 'varchar', length: 255, name: 'file_name', nullable: true }) fileName: string | null;
  @Column({ ...idColumn, name: 'blob_id' }) blobId: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) format: string | null;
  @Column({ type: 'varchar', length: 16 }) status: BatchStatus;
  @Column({ type: 'integer', name: 'records_count', default: 0 }) records: number;
  @Column({ type: 'integer', name: 'new_count', default: 0 }) new: number;
  @Column({ type: 'integer', name: 'updated_count', default: 0 }) updated: number;
  @Column({ type: 'integer', name: 'duplicate_count', default: 0 }) duplicate: number;
  @Column({ type: 'integer', name: 'rejected_count', default: 0 }) rejected: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  /** Records merged and committed by the slices of a merge still under way (see MergeService). */
  @Column({ type: 'integer', name: 'merged_records', default: 0 }) mergedRecords: number;
  @Column({ ...timeColumn, name: 'received_at' }) receivedAt: string;
  @Column({ ...timeColumn, name: 'updated_at' }) updatedAt: string;
  @Column({ ...timeColumn, name: 'consolidated_at', nullable: true }) consolidatedAt: string | null;
}

@Entity('rejection')
export class Rejection {
  @PrimaryColumn({ ...idColumn, name: 'batch_id' }) batchId: string;
  @PrimaryColumn({ type: 'integer', name: 'record_index' }) recordIndex: number;
  @Column({ type: 'text' }) reason: string;
}
