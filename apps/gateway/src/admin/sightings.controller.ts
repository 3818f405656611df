import { once } from 'node:events';
import { Controller, Get, Headers, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { FeedService, ProjectService, SERIALIZERS, sightingView } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { parseSightingsQuery } from './feed-query.js';
import type { SightingsParams } from './feed-query.js';

const WRITE_BYTES = 64 * 1024;

@ApiTags('sightings')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/sightings')
export class SightingsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(FeedService) private readonly feed: FeedService,
  ) {}

  /**
   * The cursor feed. Every format streams rows straight from the database to the client,
   * page by page, waiting for the client when it reads slower than the database answers.
   */
  @Get()
  @ApiQuery({ name: 'after', required: false, description: 'the "next" cursor of the previous call (default 0: from the start)' })
  @ApiQuery({ name: 'limit', required: false, description: 'rows in this window (json: 1-10000, default 1000; other formats: all)' })
  @ApiQuery({ name: 'kind', required: false, enum: ['sighting', 'waypoint', 'alert'] })
  @ApiQuery({ name: 'includeDeleted', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'ndjson', 'csv', 'geojson'] })
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query() params: SightingsParams, @Headers('accept') accept: string | undefined, @Res() response: Response): Promise<void> {
    const query = parseSightingsQuery(params, accept);
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const window = await this.feed.open({ projectId: project.id, after: query.after, limit: query.limit, kind: query.kind, includeDeleted: query.includeDeleted });
    const serializer = SERIALIZERS[query.format];
    response.status(200).setHeader('Content-Type', serializer.contentType);
    response.setHeader('X-Next-Cursor', String(window.next));
    response.setHeader('Cache-Control', 'no-store');
    if (query.format === 'csv') response.setHeader('Content-Disposition', `attachment; filename="${project.slug}-sightings.csv"`);

    let pending = serializer.start(window.next);
    let first = true;
    let rows = 0;
    for await (const row of window.rows) {
      pending += serializer.row(sightingView(row), first);
      first = false;
      rows++;
      if (pending.length >= WRITE_BYTES) {
        if (!(await this.write(response, pending))) return;
        pending = '';
      }
    }
    pending += serializer.end(window.next);
    // For the audit trail: what this download held.
    response.locals.audit = { format: query.format, after: query.after, next: window.next, rows };
    response.end(pending);
  }

  /** Writes and waits for the client when its buffer is full; false when the client went away. */
  private async write(response: Response, text: string): Promise<boolean> {
    if (response.destroyed) return false;
    if (!response.write(text)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
    return !response.destroyed;
  }
}
