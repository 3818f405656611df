import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { idColumn, timeColumn } from '../columns.js';

/** A project's "download settings": a remote FTP/FTPS site or folder pulled on a schedule. */
@Entity('source')
export class Source {
  @PrimaryColumn(idColumn) id: string;
  @Index() @Column({ ...idColumn, name: 'project_id' }) projectId: string;
  /** ftp://host:port/path, ftps://…, or a folder path; never holds the password. */
  @Column({ type: 'varchar', length: 1000 }) url: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) username: string | null;
  /** The password, encrypted with FIELDSYNC_SECRET_KEY (AES-256-GCM). */
  @Column({ type: 'text', name: 'secret_encrypted', nullable: true }) secretEncrypted: string | null;
  @Column({ type: 'integer', name: 'every_minutes' }) everyMinutes: number;
  @Column({ type: 'boolean', name: 'delete_after_ingest', default: false }) deleteAfterIngest: boolean;
  @Column({ ...timeColumn, name: 'last_run_at', nullable: true }) lastRunAt: string | null;
  @Column({ ...timeColumn, name: 'last_success_at', nullable: true }) lastSuccessAt: string | null;
  @Column({ type: 'text', name: 'last_error', nullable: true }) lastError: string | null;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
}

/** The ledger: one row per remote file version a pull took, so it is ingested once. */
@Entity('source_file')
@Index(['sourceId', 'remotePath', 'size', 'modifiedAt'], { unique: true })
export class SourceFile {
  @PrimaryColumn(idColumn) id: string;
  @Column({ ...idColumn, name: 'source_id' }) sourceId: string;
  @Column({ type: 'varchar', length: 1000, name: 'remote_path' }) remotePath: string;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } }) size: number;
  @Column({ type: 'varchar', length: 40, name: 'modified_at' }) modifiedAt: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) sha256: string | null;
  /** claimed while one consolidator fetches it; ingested once its batch is committed. */
  @Column({ type: 'varchar', length: 16 }) status: 'claimed' | 'ingested';
  @Column({ ...idColumn, name: 'batch_id', nullable: true }) batchId: string | null;
  @Column({ ...timeColumn, name: 'updated_at' }) updatedAt: string;
}
