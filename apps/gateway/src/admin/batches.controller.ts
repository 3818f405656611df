import { BadRequestException, Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { BatchService, batchView, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';

const STATUSES = ['received', 'processing', 'consolidated', 'rejected', 'failed'];

@ApiTags('batches')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1')
export class BatchesController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(BatchService) private readonly batches: BatchService,
  ) {}

  @Get('projects/:slug/batches')
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, newest first (default 100)' })
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query('status') status?: string, @Query('limit') limit?: string) {
    if (status !== undefined && !STATUSES.includes(status)) throw new BadRequestException(`status must be one of ${STATUSES.join(', ')}`);
    const take = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 1000) throw new BadRequestException('limit must be a whole number from 1 to 1000');
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return { batches: (await this.batches.list(project, take, status ?? null)).map(batchView) };
  }

  @Get('batches/:id')
  get(@CurrentAdmin() admin: Principal, @Param('id') id: string) {
    return this.batches.get(id, admin.projectIds);
  }
}
