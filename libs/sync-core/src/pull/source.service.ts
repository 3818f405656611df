import { randomUUID } from 'node:crypto';
import { Database } from '../db/database.js';
import { SourceFileRepository } from '../db/repositories/source-file.repository.js';
import { nowIso } from '../db/columns.js';
import { Project, Source } from '../db/entities/index.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { SecretBox } from './secret-box.js';
import { PullQueue } from '../queue/pull-queue.js';
import { SourcePolicy } from './source-policy.js';

export interface NewSource {
  url: string;
  username?: string;
  password?: string;
  everyMinutes: number;
  deleteAfterIngest?: boolean;
}

export function sourceView(source: Source) {
  const { secretEncrypted, ...view } = source;
  return { ...view, hasPassword: secretEncrypted !== null };
}

/** The "download settings" of projects: where to pull from, with what login, how often. */
export class SourceService {
  constructor(
    private readonly database: Database,
    private readonly secretKey: string | null,
    private readonly policy: SourcePolicy,
    private readonly schedules: PullQueue,
  ) {}

  /** Makes the pull schedules match the sources; a queue that is away catches up on its next sync. */
  private async syncSchedules(): Promise<void> {
    await this.schedules.syncSchedules(await this.list(null)).catch(() => undefined);
  }

  private box(): SecretBox {
    if (!this.secretKey) throw new InvalidInputError('the server has no FIELDSYNC_SECRET_KEY, so it cannot store source passwords; set it and restart');
    return new SecretBox(this.secretKey);
  }

  /** Checked before anything is stored: a source that may not be read is never saved, so never pulled. */
  private async checked(input: NewSource): Promise<string> {
    const url = input.url?.trim() ?? '';
    if (/^ftps?:\/\/[^/]*@/i.test(url)) throw new InvalidInputError('put the login in "username" and "password", not in the URL');
    if (!/^ftps?:\/\/[^/\s]+/i.test(url) && !url.startsWith('/')) throw new InvalidInputError('url must be ftp://host[:port]/folder, ftps://…, or an absolute folder path');
    if (url.startsWith('/')) await this.policy.folder(url, false);
    else await this.policy.address(new URL(url).hostname, false);
    if (!Number.isInteger(input.everyMinutes) || input.everyMinutes < 1 || input.everyMinutes > 7 * 24 * 60) throw new InvalidInputError('everyMinutes must be a whole number from 1 to 10080');
    return url;
  }

  /**
   * Changes a source's settings; a password left out is kept, an empty one removed. What the
   * source already took stays taken (the ledger is the source's, whatever its address).
   */
  async update(project: Project, id: string, changes: Partial<NewSource>): Promise<Source> {
    const current = await this.get(id, project);
    const merged: NewSource = {
      url: changes.url ?? current.url,
      username: changes.username ?? current.username ?? undefined,
      everyMinutes: changes.everyMinutes ?? current.everyMinutes,
      deleteAfterIngest: changes.deleteAfterIngest ?? current.deleteAfterIngest,
    };
    const url = await this.checked(merged);
    const updated: Source = {
      ...current,
      url,
      username: merged.username?.trim() || null,
      everyMinutes: merged.everyMinutes,
      deleteAfterIngest: merged.deleteAfterIngest === true,
      secretEncrypted: changes.password === undefined ? current.secretEncrypted : changes.password ? this.box().seal(changes.password) : null,
    };
    await this.database.transaction((manager) =>
      manager.update(Source, { id }, { url, username: updated.username, everyMinutes: updated.everyMinutes, deleteAfterIngest: updated.deleteAfterIngest, secretEncrypted: updated.secretEncrypted }),
    );
    await this.syncSchedules();
    return updated;
  }

  async create(project: Project, input: NewSource): Promise<Source> {
    const url = await this.checked(input);
    const source: Source = {
      id: randomUUID(),
      projectId: project.id,
      url,
      username: input.username?.trim() || null,
      secretEncrypted: input.password ? this.box().seal(input.password) : null,
      everyMinutes: input.everyMinutes,
      deleteAfterIngest: input.deleteAfterIngest === true,
      lastRunAt: null,
      lastSuccessAt: null,
      lastError: null,
      createdAt: nowIso(),
    };
    await this.database.transaction((manager) => manager.insert(Source, source));
    await this.syncSchedules();
    return source;
  }

  list(project: Project | null): Promise<Source[]> {
    return this.database.read((manager) => manager.find(Source, { where: project ? { projectId: project.id } : {}, order: { createdAt: 'ASC' } }));
  }

  async get(id: string, project?: Project): Promise<Source> {
    const source = await this.database.read((manager) => manager.findOneBy(Source, { id }));
    if (!source || (project && source.projectId !== project.id)) throw new NotFoundError(`no source "${id}"${project ? ` in project "${project.slug}"` : ''}`);
    return source;
  }

  /** The files this source has taken (the newest 500), so an administrator sees what arrived from where. */
  async filesTaken(source: Source): Promise<{ remotePath: string; size: number; status: string; takenAt: string; batchId: string | null }[]> {
    const files = await new SourceFileRepository(this.database).taken(source.id, 500);
    return files.map((file) => ({ remotePath: file.remotePath, size: file.size, status: file.status, takenAt: file.updatedAt, batchId: file.batchId }));
  }

  async remove(project: Project, id: string): Promise<void> {
    await this.get(id, project);
    await this.database.transaction((manager) => manager.delete(Source, { id }));
    await this.syncSchedules();
  }

  password(source: Source): string | null {
    return source.secretEncrypted ? this.box().open(source.secretEncrypted) : null;
  }

  async recordRun(id: string, error: string | null): Promise<void> {
    const now = nowIso();
    await this.database.transaction((manager) => manager.update(Source, { id }, { lastRunAt: now, lastError: error, ...(error ? {} : { lastSuccessAt: now }) }));
  }
}
