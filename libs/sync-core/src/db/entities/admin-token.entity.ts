import { Column, Entity, PrimaryColumn } from 'typeorm';
import { idColumn, jsonColumn, timeColumn } from '../columns.js';

export type AdminRole = 'admin' | 'read-only';

@Entity('admin_token')
export class AdminToken {
  @PrimaryColumn(idColumn) id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 200, name: 'secret_hash' }) secretHash: string;
  @Column({ type: 'varchar', length: 16 }) role: AdminRole;
  /** Project ids this token may touch; null means every project (and creating projects). */
  @Column({ ...jsonColumn, nullable: true, name: 'project_ids' }) projectIds: string[] | null;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
  /** Who made it (a person's login, or the token that made it). */
  @Column({ type: 'varchar', length: 200, nullable: true }) owner: string | null;
  /** The person who made it: the token acts with at most their current rights, and not at all once they are disabled. */
  @Column({ ...idColumn, name: 'owner_account_id', nullable: true }) ownerAccountId: string | null;
  /** The token that made it: revoking or narrowing that one narrows this one too. */
  @Column({ ...idColumn, name: 'owner_token_id', nullable: true }) ownerTokenId: string | null;
  @Column({ ...timeColumn, name: 'last_used_at', nullable: true }) lastUsedAt: string | null;
  /** Set when revoked: the token is refused from then on, by every gateway (the row is read at each use). */
  @Column({ ...timeColumn, name: 'revoked_at', nullable: true }) revokedAt: string | null;
}
