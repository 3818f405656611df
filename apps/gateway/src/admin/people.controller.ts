import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { AccountService, ProjectService } from '@fieldsync/sync-core';
import type { ProjectRole } from '@fieldsync/sync-core';
import { AdminAuthGuard, SiteAdminOnly } from './admin-auth.guard.js';

class CreatePersonDto {
  @IsString() @Length(1, 200) login: string;
  @IsOptional() @IsString() @Length(1, 200) displayName?: string;
  /** Omitted: a one-time password is made and shown in the answer only. */
  @IsOptional() @IsString() @Length(10, 200) password?: string;
  @IsOptional() @IsBoolean() siteAdmin?: boolean;
}

class UpdatePersonDto {
  @IsOptional() @IsString() @Length(1, 200) displayName?: string;
  @IsOptional() @IsBoolean() siteAdmin?: boolean;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

class RoleDto {
  @IsIn(['manager', 'viewer']) role: ProjectRole;
}

/** People and their roles: for site administrators (and unrestricted admin tokens) only. */
@ApiTags('people')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@SiteAdminOnly()
@Controller('api/v1/people')
export class PeopleController {
  constructor(
    @Inject(AccountService) private readonly accounts: AccountService,
    @Inject(ProjectService) private readonly projects: ProjectService,
  ) {}

  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@Body() body: CreatePersonDto) {
    const { account, password } = await this.accounts.create(body);
    return { ...this.accounts.view(account, []), ...(password ? { oneTimePassword: password } : {}) };
  }

  @Get()
  async list() {
    return { people: await this.accounts.list() };
  }

  @Patch(':personId')
  async update(@Param('personId') personId: string, @Body() body: UpdatePersonDto) {
    const account = await this.accounts.update(personId, body);
    return this.accounts.view(account, await this.accounts.memberships(account.id));
  }

  /** Gives the person a role in the project (manager or viewer). */
  @Put(':personId/projects/:slug')
  async setRole(@Param('personId') personId: string, @Param('slug') slug: string, @Body() body: RoleDto) {
    await this.accounts.setRole(personId, await this.projects.bySlug(slug, null), body.role);
    return this.accounts.view(await this.accounts.get(personId), await this.accounts.memberships(personId));
  }

  @Delete(':personId/projects/:slug')
  @HttpCode(204)
  async removeRole(@Param('personId') personId: string, @Param('slug') slug: string): Promise<void> {
    await this.accounts.setRole(personId, await this.projects.bySlug(slug, null), null);
  }

  /** A new one-time password, in this answer only; the person's sessions end. */
  @Post(':personId/password')
  @Header('Cache-Control', 'no-store')
  async resetPassword(@Param('personId') personId: string) {
    return { oneTimePassword: await this.accounts.resetPassword(personId) };
  }
}
