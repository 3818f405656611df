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
}
