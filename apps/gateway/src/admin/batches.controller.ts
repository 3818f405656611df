import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequestException, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BatchService, batchView, BlobStore, ConsolidateQueue, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin, streamCaller } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { followBatchChanges } from './batch-changes.js';
import { EventStreams } from './event-streams.js';
import { attachmentDisposition } from '../content-disposition.js';

const STATUSES = ['received', 'processing', 'consolidated', 'rejected', 'failed'];

@ApiTags('batches')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1')
export class BatchesController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(BatchService) private readonly batches: BatchService,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(ConsolidateQueue) private readonly queue: ConsolidateQueue,
    @Inject(EventStreams) private readonly streams: EventStreams,
  ) {}

  /** Newest first; `asOf` is the server's time before the read: pass it as `since` to the live stream to miss nothing. */
  @Get('projects/:slug/batches')
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, newest first (default 100)' })
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query('status') status?: string, @Query('limit') limit?: string) {
    if (status !== undefined && !STATUSES.includes(status)) throw new BadRequestException(`status must be one of ${STATUSES.join(', ')}`);
    const take = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 1000) throw new BadRequestException('limit must be a whole number from 1 to 1000');
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const asOf = new Date().toISOString();
    return { batches: (await this.batches.list(project, take, status ?? null)).map(batchView), asOf };
  }

  /**
   * Server-sent events: one `batch` event each time a batch of the project arrives or changes
   * status, from `since` (an `asOf` of the list) or from now on.
   */
  @Get('projects/:slug/batches/live')
  @ApiQuery({ name: 'since', required: false, description: 'ISO time, e.g. the asOf of GET …/batches' })
  async live(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query('since') since: string | undefined, @Req() request: Request, @Res() response: Response): Promise<void> {
    if (since !== undefined && Number.isNaN(Date.parse(since))) throw new BadRequestException('since must be an ISO time, e.g. the asOf of GET …/batches');
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const from = since ? new Date(since).toISOString() : new Date().toISOString();
    await this.streams.serve(request, response, streamCaller(admin), (stream) => followBatchChanges(this.batches, project, from, stream));
  }

  @Get('batches/:id')
  get(@CurrentAdmin() admin: Principal, @Param('id') id: string) {
    return this.batches.get(id, admin.projectIds);
  }

  /** The file exactly as the device sent it. */
  @Get('projects/:slug/batches/:id/file')
  async file(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string, @Res() response: Response): Promise<void> {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const batch = await this.batches.visible(id, [project.id]);
    const name = (batch.fileName ?? `${batch.id}.bin`).replace(/["\\\r\n/]/g, '_');
    response.status(200);
    response.setHeader('Content-Type', 'application/octet-stream');
    response.setHeader('Content-Disposition', attachmentDisposition(name));
    response.setHeader('Cache-Control', 'no-store');
    await pipeline(Readable.from(this.blobs.stream(batch.blobId)), response);
  }

  /** A failed batch is merged again (e.g. after the database was repaired). */
  @Post('projects/:slug/batches/:id/retry')
  @HttpCode(202)
  async retry(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('id') id: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const batch = await this.batches.visible(id, [project.id]);
    await this.batches.retry(batch);
    const queued = await this.queue.requeue(batch.id);
    return { id: batch.id, status: 'received', queued };
  }
}
