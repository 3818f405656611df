import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AttachmentService, DOWNLOAD_FORMATS, FeedService, InvalidInputError, ProjectService, REVIEW_STATES, ReviewDesk, ReviewState, SightingReader, sightingView } from '@fieldsync/sync-core';
import type { Correction } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin, streamCaller } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { EventStreams, serverSentEvent } from './event-streams.js';
import { parseCursor, parseFilter, parseMapView, parseSightingsQuery } from './feed-query.js';
import type { MapParams, SightingsParams } from './feed-query.js';
import { attachmentDisposition } from '../content-disposition.js';

/** Rows a live stream reads at a time while catching up. */
const STREAM_ROWS_PER_READ = 500;

@ApiTags('sightings')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/sightings')
export class SightingsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(FeedService) private readonly feed: FeedService,
    @Inject(SightingReader) private readonly reader: SightingReader,
    @Inject(EventStreams) private readonly streams: EventStreams,
    @Inject(AttachmentService) private readonly attachments: AttachmentService,
    @Inject(ReviewDesk) private readonly desk: ReviewDesk,
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
  @ApiQuery({ name: 'device', required: false, description: 'the device id the records name' })
  @ApiQuery({ name: 'from', required: false, description: 'observed on or after this day, YYYY-MM-DD' })
  @ApiQuery({ name: 'to', required: false, description: 'observed on or before this day, YYYY-MM-DD' })
  @ApiQuery({ name: 'q', required: false, description: 'words anywhere in the fields, any case' })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: DOWNLOAD_FORMATS,
    description:
      'wide-csv, xlsx, zip and gpkg: a column per field of the records (zip: with the photos and recordings, in media/; gpkg: a GeoPackage, a point layer per kind); the others keep the fields in one data column',
  })
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query() params: SightingsParams, @Headers('accept') accept: string | undefined, @Res() response: Response): Promise<void> {
    const query = parseSightingsQuery(params, accept);
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { format, ...feedQuery } = query;
    const media = (sha256: string) => this.attachments.open(project, sha256).then((attachment) => attachment.bytes);
    const download = await this.feed.download({ ...feedQuery, projectId: project.id }, format, media);
    response.status(200).setHeader('Content-Type', download.contentType);
    response.setHeader('X-Next-Cursor', String(download.next));
    response.setHeader('Cache-Control', 'no-store');
    const extension = { csv: 'csv', 'wide-csv': 'csv', xlsx: 'xlsx', zip: 'zip', gpkg: 'gpkg' }[format as string];
    if (extension) response.setHeader('Content-Disposition', attachmentDisposition(`${project.slug}-sightings.${extension}`));
    for await (const chunk of download.chunks) {
      if (!(await this.write(response, chunk))) return;
    }
    // For the audit trail: what this download held.
    response.locals.audit = { format, after: query.after, next: download.next, rows: download.rows() };
    response.end();
  }

  /**
   * The map's clusters for a view (bounding box and zoom), with the feed's filters: grouped in
   * the database, so the answer stays small however many sightings match. A GeoJSON
   * FeatureCollection of points with `count`, `colour` and one `uid`.
   */
  @Get('map')
  @ApiQuery({ name: 'zoom', required: false })
  @ApiQuery({ name: 'west', required: false })
  @ApiQuery({ name: 'south', required: false })
  @ApiQuery({ name: 'east', required: false })
  @ApiQuery({ name: 'north', required: false })
  @ApiQuery({ name: 'colourBy', required: false, description: '"kind" (default) or a field name' })
  async map(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Query() params: MapParams) {
    const filter = parseFilter(params);
    const view = parseMapView(params);
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const clusters = await this.reader.clusters(project, filter, view);
    return {
      type: 'FeatureCollection',
      total: clusters.reduce((sum, cluster) => sum + cluster.count, 0),
      truncated: clusters.length >= view.limit,
      features: clusters.map(({ longitude, latitude, bbox, ...properties }) => ({ type: 'Feature', bbox, geometry: { type: 'Point', coordinates: [longitude, latitude] }, properties })),
    };
  }

  /**
   * The feed as server-sent events, for dashboards: one `sighting` event per change in seq order,
   * from `after` (or the Last-Event-ID a reconnecting client sends: each event's id is its seq),
   * then each new one as it is committed. The feed's filters apply.
   */
  @Get('stream')
  @ApiQuery({ name: 'after', required: false, description: 'a cursor (seq); Last-Event-ID wins when the client sends one' })
  async stream(
    @CurrentAdmin() admin: Principal,
    @Param('slug') slug: string,
    @Query() params: SightingsParams,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const resumeFrom = lastEventId ? parseCursor(lastEventId, 'Last-Event-ID') : parseCursor(params.after, 'after');
    const filter = parseFilter(params);
    const project = await this.projects.bySlug(slug, admin.projectIds);
    await this.streams.serve(request, response, streamCaller(admin), async (stream) => {
      let cursor = resumeFrom;
      while (!stream.ended.aborted) {
        const window = await this.feed.open({ ...filter, projectId: project.id, after: cursor, limit: STREAM_ROWS_PER_READ });
        let text = '';
        for await (const row of window.rows) text += serverSentEvent('sighting', sightingView(row), row.seq);
        stream.send(text);
        const moved = window.next > cursor;
        cursor = window.next;
        if (!moved) await stream.pause();
      }
    });
  }

  /** One sighting with every field, its attachments, the versions it had before and its comments. */
  @Get(':uid')
  async detail(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('uid') uid: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return { ...(await this.reader.detail(project, uid)), comments: await this.desk.comments(project, uid) };
  }

  /** Many sightings' review state at once, in one transaction: an unknown id refuses them all (400, listing it). */
  @Post('review')
  @HttpCode(200)
  @ApiBody({ schema: { example: { ids: ['uid-1', 'uid-2'], state: 'approved', comment: 'checked against the photos' } } })
  async reviewMany(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Body() body: { ids?: unknown; state?: unknown; comment?: unknown }) {
    if (!Array.isArray(body?.ids) || body.ids.some((id) => typeof id !== 'string')) throw new InvalidInputError('ids must be a list of sighting ids');
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return this.desk.review(project, body.ids as string[], reviewState(body.state), commentOf(body.comment), authorOf(admin));
  }

  @Post(':uid/review')
  @HttpCode(200)
  @ApiBody({ schema: { example: { state: 'hasIssues', comment: 'the photo shows a leopard' } } })
  async reviewOne(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('uid') uid: string, @Body() body: { state?: unknown; comment?: unknown }) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    await this.desk.review(project, [uid], reviewState(body?.state), commentOf(body?.comment), authorOf(admin));
    return (await this.reader.detail(project, uid)).sighting;
  }

  @Get(':uid/comments')
  async comments(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('uid') uid: string) {
    return { comments: await this.desk.comments(await this.projects.bySlug(slug, admin.projectIds), uid) };
  }

  @Post(':uid/comments')
  @ApiBody({ schema: { example: { text: 'seen again on the next patrol' } } })
  async comment(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('uid') uid: string, @Body() body: { text?: unknown }) {
    return this.desk.comment(await this.projects.bySlug(slug, admin.projectIds), uid, body?.text, authorOf(admin));
  }

  /** A correction by a person: a new revision with the named fields, place or time changed, and why. */
  @Patch(':uid')
  @ApiBody({ schema: { example: { data: { Species: 'Leopard' }, reason: 'the photo shows a leopard' } } })
  async correct(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('uid') uid: string, @Body() body: Correction) {
    if (typeof body !== 'object' || body === null) throw new InvalidInputError('the body must be a JSON object with reason and the changes');
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { changed } = await this.desk.correct(
      project,
      uid,
      { data: body.data, latitude: body.latitude, longitude: body.longitude, observedAt: body.observedAt, reason: body.reason },
      authorOf(admin),
    );
    return { changed, ...(await this.reader.detail(project, uid)) };
  }

  /** Writes and waits for the client when its buffer is full; false when the client went away. */
  private async write(response: Response, text: string | Buffer): Promise<boolean> {
    if (response.destroyed) return false;
    if (!response.write(text)) await drainedOrClosed(response);
    return !response.destroyed;
  }
}

/**
 * Waits for the client to take what was written, or to go away, and removes both listeners
 * either way: `Promise.race` of two `once` left a 'close' listener behind at every drain, so a
 * large download to a slow client piled them up (MaxListenersExceededWarning on ServerResponse).
 */
function drainedOrClosed(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function reviewState(value: unknown): ReviewState {
  if (typeof value !== 'string' || !REVIEW_STATES.includes(value as ReviewState)) throw new InvalidInputError(`state must be one of ${REVIEW_STATES.join(', ')}`);
  return value as ReviewState;
}

function commentOf(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new InvalidInputError('comment must be text');
  return value;
}

/** How comments and corrections name who made them: a person's display name, or the token's name. */
export function authorOf(admin: Principal): string {
  return admin.account ? admin.account.displayName || admin.account.login : admin.actor;
}
