import { Body, Controller, Delete, Get, Header, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { FIELDSYNC_CONFIG, ProjectService, SubscriptionService, subscriptionView } from '@fieldsync/sync-core';
import type { DeliveryFormat, FieldSyncConfig, SightingKind } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';

class CreateSubscriptionDto {
  @ApiProperty({ example: 'EarthRanger bridge' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty({ example: 'https://example.org/fieldsync-hook' }) @IsString() @Length(1, 2000) url: string;
  @ApiPropertyOptional({ enum: ['sighting', 'earthranger'] }) @IsOptional() @IsIn(['sighting', 'earthranger']) format?: DeliveryFormat;
  @ApiPropertyOptional({ enum: ['sighting', 'waypoint', 'alert'] }) @IsOptional() @IsIn(['sighting', 'waypoint', 'alert']) kind?: SightingKind;
  @ApiPropertyOptional({ description: 'the device id the records name' }) @IsOptional() @IsString() @Length(1, 128) deviceId?: string;
  @ApiPropertyOptional({ description: 'extra request headers, e.g. {"Authorization": "Bearer …"}' }) @IsOptional() @IsObject() headers?: Record<string, string>;
  @ApiPropertyOptional({ description: 'the signing secret (at least 16 characters); made when not given, shown once' }) @IsOptional() @IsString() @Length(16, 200) secret?: string;
  @ApiPropertyOptional({ description: 'sightings per POST, 1-1000 (default 100)' }) @IsOptional() @IsInt() @Min(1) @Max(1000) batchSize?: number;
  @ApiPropertyOptional({ enum: ['beginning', 'now'], description: 'beginning (default): everything the project holds; now: only what comes next' })
  @IsOptional()
  @IsIn(['beginning', 'now'])
  startAt?: 'beginning' | 'now';
}

class UpdateSubscriptionDto {
  @ApiProperty({ description: 'false pauses delivery; true resumes it where it stopped' }) @IsBoolean() enabled: boolean;
}

/** Outbound delivery: where a project's sightings are pushed, in feed order, each exactly once. */
@ApiTags('subscriptions')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/subscriptions')
export class SubscriptionsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(SubscriptionService) private readonly subscriptions: SubscriptionService,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  /** The signing secret is in this answer only. */
  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Body() body: CreateSubscriptionDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { subscription, secret } = await this.subscriptions.create(project, body);
    return { ...subscriptionView(subscription, this.config.delivery.failingAfterMs), secret };
  }

  @Get()
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const reader = admin.role === 'admin' ? 'manager' : 'viewer';
    return { subscriptions: (await this.subscriptions.list(project)).map((subscription) => subscriptionView(subscription, this.config.delivery.failingAfterMs, reader)) };
  }

  @Patch(':id')
  async update(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string, @Body() body: UpdateSubscriptionDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return subscriptionView(await this.subscriptions.setEnabled(project, id, body.enabled), this.config.delivery.failingAfterMs);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(await this.projects.bySlug(slug, admin.projectIds), id);
  }
}
