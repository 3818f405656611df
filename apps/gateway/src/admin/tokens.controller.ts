import { Body, Controller, ForbiddenException, Get, Header, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminToken, AdminTokenService, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import { CreateTokenDto } from './dto/admin.dto.js';

@ApiTags('tokens')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/tokens')
export class TokensController {
  constructor(
    @Inject(AdminTokenService) private readonly tokens: AdminTokenService,
    @Inject(ProjectService) private readonly projects: ProjectService,
  ) {}

  /** A token never reaches further than the token that made it. The secret is in this answer only. */
  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@CurrentAdmin() admin: AdminToken, @Body() body: CreateTokenDto) {
    if (admin.role !== 'admin') throw new ForbiddenException('this token is read-only');
    if (admin.projectIds !== null && body.projects === undefined) throw new ForbiddenException('this token is limited to some projects; list them in "projects"');
    const projectIds = body.projects === undefined ? null : await Promise.all(body.projects.map(async (slug) => (await this.projects.bySlug(slug, admin.projectIds)).id));
    const { token, secret } = await this.tokens.create(body.name, body.role, projectIds);
    return { id: token.id, name: token.name, role: token.role, projects: body.projects ?? null, token: secret };
  }

  @Get()
  async list(@CurrentAdmin() admin: AdminToken) {
    const visible = (await this.tokens.list()).filter((token) => admin.projectIds === null || ((token.projectIds ?? []).every((id) => admin.projectIds!.includes(id)) && token.projectIds !== null));
    return { tokens: visible.map(({ id, name, role, projectIds, createdAt }) => ({ id, name, role, projectIds, createdAt })) };
  }
}
