import { Body, Controller, Delete, Get, Inject, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeviceService, ProjectOverviewService, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin, requireAllProjects } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { CreateProjectDto, UpdateProjectDto } from './dto/admin.dto.js';

@ApiTags('projects')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects')
export class ProjectsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(ProjectOverviewService) private readonly overview: ProjectOverviewService,
    @Inject(DeviceService) private readonly devices: DeviceService,
  ) {}

  @Post()
  async create(@CurrentAdmin() admin: Principal, @Body() body: CreateProjectDto) {
    requireAllProjects(admin);
    const project = await this.projects.create(body.slug, body.name);
    return { id: project.id, slug: project.slug, name: project.name };
  }

  @Get()
  async list(@CurrentAdmin() admin: Principal) {
    const projects = await this.projects.list(admin.projectIds);
    return { projects: projects.map(({ id, slug, name, createdAt }) => ({ id, slug, name, createdAt })) };
  }

  /** A new name for the project; its slug stays (devices and scripts use it). */
  /** Renames the project (its slug stays) or changes its settings; what is left out stays. */
  @Patch(':slug')
  async update(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Body() body: UpdateProjectDto) {
    const project = await this.projects.update(await this.projects.bySlug(slug, admin.projectIds), body);
    return { id: project.id, slug: project.slug, name: project.name, acceptUnknownForms: project.acceptUnknownForms };
  }

  /** Deletes the project and all of it, for good; `confirm` must repeat the slug. Site administrators only. */
  @Delete(':slug')
  @ApiQuery({ name: 'confirm', required: true, description: "the project's slug again" })
  async remove(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query('confirm') confirm: string | undefined) {
    requireAllProjects(admin);
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const deleted = await this.projects.remove(project, confirm);
    // Its devices must be refused at once, not found again among recent logins.
    this.devices.forgetLookups();
    return { slug: project.slug, deleted };
  }

  /** Counts (sightings, devices, batches waiting and failed), the last upload, and batches per day over two weeks. */
  @Get(':slug/overview')
  async overviewOf(@CurrentAdmin() admin: Principal, @Param('slug') slug: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return { slug: project.slug, name: project.name, ...(await this.overview.overview(project)) };
  }
}
