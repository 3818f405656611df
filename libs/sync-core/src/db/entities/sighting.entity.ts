import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { doubleColumn, idColumn, jsonColumn, seqColumn, timeColumn } from '../columns.js';

export type SightingKind = 'sighting' | 'waypoint' | 'alert';

/** Where a data manager's review of a sighting stands; `edited`: changed since it was reviewed (a correction, or a device's new revision of a reviewed sighting). */
export type ReviewState = 'received' | 'approved' | 'hasIssues' | 'rejected' | 'edited';
export const REVIEW_STATES: readonly ReviewState[] = ['received', 'approved', 'hasIssues', 'rejected', 'edited'];

export interface AttachmentRef {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

@Entity('sighting')
@Index(['projectId', 'uid'], { unique: true })
@Index(['projectId', 'seq'], { unique: true })
export class Sighting {
  @PrimaryColumn(idColumn) id: string;
  @Column({ ...idColumn, name: 'project_id' }) projectId: string;
  /** Identity within the project: the source's GUID (normalised) or a content-derived hash. */
  @Column({ type: 'varchar', length: 128 }) uid: string;
  /** The device id the record itself names (CyberTracker's), not necessarily the uploading login. */
  @Column({ type: 'varchar', length: 128, name: 'device_id', nullable: true }) deviceId: string | null;
  @Column({ type: 'varchar', length: 16 }) kind: SightingKind;
  /** ISO-8601 with the offset the device recorded. */
  @Column({ type: 'varchar', length: 40, name: 'observed_at', nullable: true }) observedAt: string | null;
  @Column(doubleColumn) latitude: number | null;
  @Column(doubleColumn) longitude: number | null;
  @Column(doubleColumn) altitude: number | null;
  @Column(doubleColumn) accuracy: number | null;
  @Column(jsonColumn) data: Record<string, unknown>;
  @Column(jsonColumn) attachments: AttachmentRef[];
  @Column({ type: 'boolean', default: false }) deleted: boolean;
  @Column({ type: 'varchar', length: 64, name: 'content_hash' }) contentHash: string;
  /** The content hash without attachments: equal for two versions that differ only in attachments added later. */
  @Column({ type: 'varchar', length: 64, name: 'data_hash', nullable: true }) dataHash: string | null;
  @Column({ type: 'integer' }) revision: number;
  /** Position in the project's feed; a changed sighting takes a new, higher seq. */
  @Column(seqColumn) seq: number;
  @Column({ ...idColumn, name: 'batch_id' }) batchId: string;
  /** When the batch holding this version arrived: an older batch merged late never overwrites it. */
  @Column({ ...timeColumn, name: 'received_at' }) receivedAt: string;
  @Column({ ...timeColumn, name: 'updated_at' }) updatedAt: string;
  @Column({ type: 'varchar', length: 16, name: 'review_state', default: 'received' }) reviewState: ReviewState;
  /** The person whose correction this version is, as the audit trail names them; null: a device sent it. */
  @Column({ type: 'varchar', length: 255, name: 'changed_by', nullable: true }) changedBy: string | null;
  @Column({ type: 'varchar', length: 1000, name: 'change_reason', nullable: true }) changeReason: string | null;
  /** While a correction stands: the content hash of the device's own last version, which a resend of it matches. */
  @Column({ type: 'varchar', length: 64, name: 'device_hash', nullable: true }) deviceHash: string | null;
}

/** Which attachments (by content) a project holds, so they are served to that project's admins only. */
@Entity('attachment')
export class Attachment {
  @PrimaryColumn({ ...idColumn, name: 'project_id' }) projectId: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ ...idColumn, name: 'blob_id' }) blobId: string;
  @Column({ type: 'varchar', length: 100, name: 'content_type' }) contentType: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
}

@Entity('project_feed')
export class ProjectFeed {
  @PrimaryColumn({ ...idColumn, name: 'project_id' }) projectId: string;
  @Column({ ...seqColumn, name: 'last_seq' }) lastSeq: number;
}
