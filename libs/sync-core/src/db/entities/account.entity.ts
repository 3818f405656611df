import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { idColumn, jsonColumn, timeColumn } from '../columns.js';

/** A person who signs in to the console or the API with a password. */
@Entity('account')
export class Account {
  @PrimaryColumn(idColumn) id: string;
  /** E-mail address or user name, lowercase. */
  @Column({ type: 'varchar', length: 200, unique: true }) login: string;
  @Column({ type: 'varchar', length: 200, name: 'display_name' }) displayName: string;
  @Column({ type: 'varchar', length: 200, name: 'password_hash' }) passwordHash: string;
  /** Everything, people included; otherwise what the memberships allow. */
  @Column({ type: 'boolean', name: 'site_admin', default: false }) siteAdmin: boolean;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
  /** The password was given by an administrator (a one-time password): the first sign-in must replace it. */
  @Column({ type: 'boolean', name: 'password_expired', default: false }) passwordExpired: boolean;
}

/** manager: devices, sources, forms, downloads; viewer: read and download only. */
export type ProjectRole = 'manager' | 'viewer';

@Entity('membership')
export class Membership {
  @PrimaryColumn({ ...idColumn, name: 'account_id' }) accountId: string;
  @PrimaryColumn({ ...idColumn, name: 'project_id' }) projectId: string;
  @Column({ type: 'varchar', length: 16 }) role: ProjectRole;
}

/** A signed-in browser: the row is what makes the cookie valid, so deleting it signs out at once everywhere. */
@Entity('session')
@Index(['accountId'])
export class Session {
  /** sha256 of the cookie's token: the token itself is never stored. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ ...idColumn, name: 'account_id' }) accountId: string;
  /** Sent back in X-CSRF-Token by the console on every change: a cross-site form cannot. */
  @Column({ type: 'varchar', length: 64, name: 'csrf_token' }) csrfToken: string;
  @Column({ type: 'varchar', length: 64 }) address: string;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
  @Column({ ...timeColumn, name: 'expires_at' }) expiresAt: string;
}

/** One action of a person or a token: who, when, from where, on what. Never a secret. */
@Entity('audit_event')
export class AuditEvent {
  @PrimaryGeneratedColumn('increment') id: number;
  @Column(timeColumn) at: string;
  /** "person:<login>" or "token:<name> (<id>)". */
  @Column({ type: 'varchar', length: 250 }) actor: string;
  @Column({ type: 'varchar', length: 64 }) address: string;
  @Column({ type: 'varchar', length: 64 }) action: string;
  @Column({ ...idColumn, name: 'project_id', nullable: true }) projectId: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) target: string | null;
  @Column(jsonColumn) details: Record<string, unknown>;
}
