import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { idColumn, timeColumn } from '../columns.js';

@Entity('device')
export class Device {
  @PrimaryColumn(idColumn) id: string;
  @Index() @Column({ ...idColumn, name: 'project_id' }) projectId: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  /** What the device types as user name (HTTP Basic, FTP). */
  @Column({ type: 'varchar', length: 100, unique: true }) login: string;
  /** The public part of the secret, so a Bearer secret finds its row without the login. */
  @Column({ type: 'varchar', length: 32, name: 'secret_key_id', unique: true }) secretKeyId: string;
  @Column({ type: 'varchar', length: 200, name: 'secret_hash' }) secretHash: string;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
}
