import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuditService, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';

/** The audit trail, oldest first, paged with a cursor like the sightings feed. */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/audit')
export class AuditController {
  constructor(
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(ProjectService) private readonly projects: ProjectService,
  ) {}

  @Get()
  @ApiQuery({ name: 'after', required: false })
  @ApiQuery({ name: 'actor', required: false })
  @ApiQuery({ name: 'project', required: false })
  @ApiQuery({ name: 'limit', required: false })
  async page(@CurrentAdmin() caller: Principal, @Query('after') after?: string, @Query('actor') actor?: string, @Query('project') slug?: string, @Query('limit') limit?: string) {
    const project = slug ? await this.projects.bySlug(slug, caller.projectIds) : null;
    const take = Math.min(Math.max(Number(limit) || 100, 1), 1000);
    const events = await this.audit.page(Math.max(Number(after) || 0, 0), take, { actor, projectId: project?.id, projectIds: caller.projectIds });
    // Each event names its project by slug too, as people know it (null once the project is deleted).
    const slugs = new Map((await this.projects.list(caller.projectIds)).map((each) => [each.id, each.slug]));
    return {
      events: events.map((event) => ({ ...event, project: event.projectId === null ? null : (slugs.get(event.projectId) ?? null) })),
      next: String(events.at(-1)?.id ?? Math.max(Number(after) || 0, 0)),
    };
  }
}
