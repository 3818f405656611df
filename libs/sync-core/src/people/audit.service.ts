import { nowIso } from '../db/columns.js';
import { Database } from '../db/database.js';
import { AuditEvent } from '../db/entities/index.js';
import { AuditEventRepository } from '../db/repositories/audit-event.repository.js';
import { FindOptionsWhere, In, MoreThan } from 'typeorm';

export interface AuditEntry {
  actor: string;
  address: string;
  action: string;
  /** The project the request named, by its slug: the INSERT looks it up (null when none has it). */
  projectSlug?: string | null;
  target?: string | null;
  /** What changed: names, roles, counts; never a secret (callers pass none, and keys named like one are dropped). */
  details?: Record<string, unknown>;
}

const SECRET_KEY = /secret|password|token|hash/i;

/** The audit trail: one row per change an admin makes and per download, read with a cursor. */
export class AuditService {
  private readonly events: AuditEventRepository;

  constructor(private readonly database: Database) {
    this.events = new AuditEventRepository(database);
  }

  async record(entry: AuditEntry): Promise<void> {
    const details = Object.fromEntries(Object.entries(entry.details ?? {}).filter(([key]) => !SECRET_KEY.test(key)));
    await this.events.insertAlone({
      at: nowIso(),
      actor: entry.actor.slice(0, 250),
      address: entry.address.slice(0, 64),
      action: entry.action.slice(0, 64),
      projectSlug: entry.projectSlug ?? null,
      target: entry.target?.slice(0, 255) ?? null,
      details,
    });
  }

  /**
   * Events after the cursor, oldest first, limited to some projects (null: all, and site-wide
   * events). The scope is part of the query: a page of a scoped reader is full whenever that many
   * of its events follow the cursor, however many of other projects lie between.
   */
  page(after: number, limit: number, filter: { actor?: string; projectId?: string; projectIds: string[] | null }): Promise<AuditEvent[]> {
    if (filter.projectIds?.length === 0) return Promise.resolve([]);
    return this.database.read(async (reader) => {
      const where: FindOptionsWhere<AuditEvent> = { id: MoreThan(after) };
      if (filter.actor) where.actor = filter.actor;
      if (filter.projectId) where.projectId = filter.projectId;
      else if (filter.projectIds) where.projectId = In(filter.projectIds);
      return reader.find(AuditEvent, { where, order: { id: 'ASC' }, take: limit });
    });
  }
}
