import { Database } from '../database.js';
import { AuditEvent } from '../entities/index.js';

/** An event to record, its project named by slug (or none). */
export type NewAuditEvent = Omit<AuditEvent, 'id' | 'projectId'> & { projectSlug: string | null };

/** The SQL on `audit_event`: the trail of changes and downloads. */
export class AuditEventRepository {
  constructor(private readonly database: Database) {}

  /** One event, in a transaction of its own; a project named by slug is found by the INSERT (null when none has it). */
  async insertAlone({ projectSlug, details, ...rest }: NewAuditEvent): Promise<void> {
    // TypeORM's insert types cannot follow a simple-json column's value: it is written as JSON.
    const event = { ...rest, details: details as never };
    await this.database.writeAlone((manager) =>
      manager
        .createQueryBuilder()
        .insert()
        .into(AuditEvent)
        .values({ ...event, projectId: projectSlug === null ? null : () => '(SELECT id FROM project WHERE slug = :auditedSlug)' })
        .setParameter('auditedSlug', projectSlug)
        .execute(),
    );
  }
}
