import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { idColumn, seqColumn, timeColumn } from '../columns.js';
import { SightingKind } from './sighting.entity.js';

export type DeliveryFormat = 'sighting' | 'earthranger';

/** Where a project's sightings are pushed: a reader of the feed with its own cursor. */
@Entity('subscription')
export class Subscription {
  @PrimaryColumn(idColumn) id: string;
  @Index() @Column({ ...idColumn, name: 'project_id' }) projectId: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 2000 }) url: string;
  @Column({ type: 'varchar', length: 16 }) format: DeliveryFormat;
  @Column({ type: 'varchar', length: 16, nullable: true }) kind: SightingKind | null;
  /** The device id the records name. */
  @Column({ type: 'varchar', length: 128, name: 'device_id', nullable: true }) deviceId: string | null;
  /** Extra request headers, as a JSON object. */
  @Column({ type: 'text' }) headers: string;
  /** The signing secret, sealed with FIELDSYNC_SECRET_KEY (the HMAC needs it back). */
  @Column({ type: 'text', name: 'secret_encrypted' }) secretEncrypted: string;
  @Column({ type: 'integer', name: 'batch_size' }) batchSize: number;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  /**
   * Every seq up to here was delivered (a 2xx came back). The table's default (0) is in the
   * migration only: a default declared here makes TypeORM write the value PostgreSQL returns back
   * onto the inserted object, and a bigint comes back as text, past the column's transformer.
   */
  @Column(seqColumn) cursor: number;
  /** The end of the range being delivered: a retry sends exactly (cursor, pendingTo] again, under the same idempotency key. */
  @Column({ ...seqColumn, name: 'pending_to', nullable: true }) pendingTo: number | null;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Index() @Column({ ...timeColumn, name: 'next_attempt_at' }) nextAttemptAt: string;
  @Column({ ...timeColumn, name: 'first_failed_at', nullable: true }) firstFailedAt: string | null;
  @Column({ type: 'text', name: 'last_error', nullable: true }) lastError: string | null;
  @Column({ ...timeColumn, name: 'last_delivered_at', nullable: true }) lastDeliveredAt: string | null;
  /** Which consolidator delivers now, and until when its claim holds: never two at once. */
  @Column({ type: 'varchar', length: 64, name: 'lease_owner', nullable: true }) leaseOwner: string | null;
  @Column({ ...timeColumn, name: 'lease_until', nullable: true }) leaseUntil: string | null;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
}
