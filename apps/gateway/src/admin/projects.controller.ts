import { Body, Controller, Get, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin, requireAllProjects } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { CreateProjectDto } from './dto/admin.dto.js';

@ApiTags('projects')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects')
export class ProjectsController {
  constructor(@Inject(ProjectService) private readonly projects: ProjectService) {}

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
}
