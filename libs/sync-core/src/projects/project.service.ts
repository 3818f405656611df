import { randomUUID } from 'node:crypto';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Project, ProjectFeed } from '../db/entities/index.js';
import { ProjectFeedRepository } from '../db/repositories/project-feed.repository.js';
import { ProjectRemovalQueries, RemovedProject } from '../db/repositories/project-removal.queries.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export class ProjectService {
  constructor(private readonly database: Database) {}

  async create(slug: string, name: string): Promise<Project> {
    if (!SLUG.test(slug)) throw new InvalidInputError('slug must be 1-64 lowercase letters, digits or dashes, e.g. "kruger-2026"');
    if (!name?.trim() || name.length > 200) throw new InvalidInputError('name must be 1-200 characters');
    return this.database.transaction(async (manager) => {
      if (await manager.findOneBy(Project, { slug })) throw new ConflictError(`a project with slug "${slug}" already exists`);
      const project: Project = { id: randomUUID(), slug, name: name.trim(), createdAt: nowIso(), acceptUnknownForms: false };
      await manager.insert(Project, project);
      await manager.insert(ProjectFeed, { projectId: project.id, lastSeq: 0 });
      return project;
    });
  }

  /** A new display name; the slug (in every device URL and download) stays. */
  /** Renames a project, or changes its settings; what is left out stays (the slug always does). */
  async update(project: Project, changes: { name?: string; acceptUnknownForms?: boolean }): Promise<Project> {
    if (changes.name !== undefined && (!changes.name.trim() || changes.name.length > 200)) throw new InvalidInputError('name must be 1-200 characters');
    const next = { name: changes.name?.trim() ?? project.name, acceptUnknownForms: changes.acceptUnknownForms ?? project.acceptUnknownForms };
    await this.database.transaction((manager) => manager.update(Project, { id: project.id }, next));
    return { ...project, ...next };
  }

  /**
   * Deletes the project and everything of it — sightings and their revisions, batches, devices,
   * sources, forms, subscriptions, memberships, files no other project shares — in one
   * transaction, so a failure leaves the whole project as it was. `confirm` must repeat the slug.
   */
  async remove(project: Project, confirm: string | undefined): Promise<RemovedProject> {
    if (confirm !== project.slug) {
      throw new InvalidInputError(`deleting project "${project.slug}" removes all its sightings, batches, devices and files for good: to confirm, repeat its slug (confirm=${project.slug})`);
    }
    return this.database.transaction(async (tx) => {
      // The lock every merge of the project takes: a merge under way finishes first, and one
      // that follows finds its batch gone.
      await new ProjectFeedRepository(this.database).lockFeedInTx(tx, project.id);
      return new ProjectRemovalQueries(this.database).removeInTx(tx, project.id);
    });
  }

  /** Projects visible to a scope (null = all). */
  list(projectIds: string[] | null): Promise<Project[]> {
    return this.database.read(async (manager) => {
      const all = await manager.find(Project, { order: { slug: 'ASC' } });
      return projectIds ? all.filter((project) => projectIds.includes(project.id)) : all;
    });
  }

  /** The project with this slug, if the scope may see it; otherwise the same "not found" either way. */
  async bySlug(slug: string, projectIds: string[] | null): Promise<Project> {
    const project = await this.database.read((manager) => manager.findOneBy(Project, { slug }));
    if (!project || (projectIds && !projectIds.includes(project.id))) throw new NotFoundError(`no project "${slug}"`);
    return project;
  }
}
