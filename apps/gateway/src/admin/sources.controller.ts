import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ProjectService, PullQueue, PullService, SourceService, sourceView } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { CreateSourceDto, UpdateSourceDto } from './dto/admin.dto.js';

@ApiTags('sources')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/sources')
export class SourcesController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(SourceService) private readonly sources: SourceService,
    @Inject(PullService) private readonly pulls: PullService,
    @Inject(PullQueue) private readonly queue: PullQueue,
  ) {}

  /** Adds a place to pull from; its password is stored encrypted and never shown again. */
  @Post()
  async create(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Body() body: CreateSourceDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return sourceView(await this.sources.create(project, body));
  }

  /** Changes what is given; a password left out is kept. */
  @Patch(':id')
  async update(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string, @Body() body: UpdateSourceDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return sourceView(await this.sources.update(project, id, body));
  }

  @Get()
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return { sources: (await this.sources.list(project)).map(sourceView) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string): Promise<void> {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    await this.sources.remove(project, id);
  }

  /** Connects, logs in and opens the folder now; says in plain words what failed. */
  @Post(':id/test')
  @HttpCode(200)
  async test(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string) {
    return this.pulls.testConnection(await this.sources.get(id, await this.projects.bySlug(slug, admin.projectIds)));
  }

  @Get(':id/files')
  async files(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string) {
    return { files: await this.sources.filesTaken(await this.sources.get(id, await this.projects.bySlug(slug, admin.projectIds))) };
  }

  @Post(':id/run')
  @HttpCode(202)
  async run(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string) {
    const source = await this.sources.get(id, await this.projects.bySlug(slug, admin.projectIds));
    await this.queue.runNow(source.id);
    return { queued: true };
  }
}
