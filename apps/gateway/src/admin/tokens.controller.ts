import { Body, Controller, Delete, ForbiddenException, Get, Header, Inject, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminToken, AdminTokenService, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { CreateTokenDto } from './dto/admin.dto.js';

const tokenView = ({ id, name, role, projectIds, createdAt, owner, lastUsedAt, revokedAt }: AdminToken) => ({ id, name, role, projectIds, createdAt, owner, lastUsedAt, revokedAt });

/** A token sees tokens only within its own reach; a read-only caller neither lists nor makes them. */
function requireAdminRole(caller: Principal): void {
  if (caller.role !== 'admin') throw new ForbiddenException('a read-only caller cannot list, make or revoke tokens');
}

@ApiTags('tokens')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/tokens')
export class TokensController {
  constructor(
    @Inject(AdminTokenService) private readonly tokens: AdminTokenService,
    @Inject(ProjectService) private readonly projects: ProjectService,
  ) {}

  /** A token never reaches further than the caller that made it. The secret is in this answer only. */
  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@CurrentAdmin() admin: Principal, @Body() body: CreateTokenDto) {
    requireAdminRole(admin);
    if (admin.projectIds !== null && body.projects === undefined) throw new ForbiddenException('you are limited to some projects; list them in "projects"');
    const projectIds = body.projects === undefined ? null : await Promise.all(body.projects.map(async (slug) => (await this.projects.bySlug(slug, admin.projectIds)).id));
    const owner = admin.kind === 'person' ? { actor: admin.actor, accountId: admin.id } : { actor: admin.actor, tokenId: admin.id };
    const { token, secret } = await this.tokens.create(body.name, body.role, projectIds, owner);
    return { ...(await this.view(token)), token: secret };
  }

  @Get()
  async list(@CurrentAdmin() admin: Principal) {
    requireAdminRole(admin);
    return { tokens: await Promise.all((await this.tokens.list()).filter((token) => this.within(admin, token)).map((token) => this.view(token))) };
  }

  /** A token as every answer shows it: its projects by slug (as they are given when it is made), null for all. */
  private async view(token: AdminToken) {
    const { projectIds, ...rest } = tokenView(token);
    if (projectIds === null) return { ...rest, projects: null };
    const all = await this.projects.list(projectIds);
    return { ...rest, projects: all.map((project) => project.slug) };
  }

  /** Revoked at once for every gateway: the token is refused from its next use on. */
  @Delete(':id')
  async revoke(@CurrentAdmin() admin: Principal, @Param('id') id: string) {
    requireAdminRole(admin);
    const token = (await this.tokens.list()).find((candidate) => candidate.id === id);
    if (!token || !this.within(admin, token)) throw new NotFoundException(`no token "${id}"`);
    return this.view(await this.tokens.revoke(id));
  }

  private within(admin: Principal, token: AdminToken): boolean {
    // A token of no project at all (made before that was refused) is within no scoped caller's reach.
    return admin.projectIds === null || (token.projectIds !== null && token.projectIds.length > 0 && token.projectIds.every((id) => admin.projectIds!.includes(id)));
  }
}
