import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InvalidInputError, ProjectService, REPORT_PERIODS, ReportBy, ReportPeriod, SightingReports } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { parseFilter } from './feed-query.js';
import type { FilterParams } from './feed-query.js';

interface ReportParams extends FilterParams {
  by?: string;
  period?: string;
}

@ApiTags('reports')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug')
export class ReportsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(SightingReports) private readonly reports: SightingReports,
  ) {}

  /** Sightings per value per period (day, week from Monday, month), counted by the database, with the feed's filters. */
  @Get('report')
  @ApiQuery({ name: 'by', required: true, description: '"kind", "device" or a field name of the records (e.g. Species)' })
  @ApiQuery({ name: 'period', required: false, enum: REPORT_PERIODS })
  @ApiQuery({ name: 'review', required: false, description: 'review states separated by commas' })
  async report(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query() params: ReportParams) {
    const by = reportBy(params.by);
    const period = (params.period || 'day') as ReportPeriod;
    if (!REPORT_PERIODS.includes(period)) throw new InvalidInputError(`period must be one of ${REPORT_PERIODS.join(', ')}`);
    const filter = parseFilter(params);
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return { by: params.by, period, ...(await this.reports.counts(project, by, period, filter)) };
  }

  /** The field names the project's latest 10,000 sightings use, most used first, with how many use each. */
  @Get('fields')
  async fields(@CurrentAdmin() admin: Principal, @Param('slug') slug: string) {
    return { fields: await this.reports.fields(await this.projects.bySlug(slug, admin.projectIds)) };
  }
}

function reportBy(value: string | undefined): ReportBy {
  if (!value) throw new InvalidInputError('by must name what to count by: "kind", "device" or a field of the records');
  if (value.length > 200 || value.includes('\u0000')) throw new InvalidInputError('by must be a field name of at most 200 characters');
  if (value === 'kind' || value === 'device') return { kind: value };
  return { kind: 'field', field: value };
}
