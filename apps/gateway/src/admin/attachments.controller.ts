import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Inject, Param, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AttachmentService, ProjectService, safeContentType } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { attachmentDisposition } from '../content-disposition.js';

@ApiTags('attachments')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/attachments')
export class AttachmentsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(AttachmentService) private readonly attachments: AttachmentService,
  ) {}

  /** A sighting's photo or recording, by the sha256 listed in its `attachments`. */
  @Get(':sha256')
  async get(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('sha256') sha256: string, @Res() response: Response): Promise<void> {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { attachment, size, bytes } = await this.attachments.open(project, sha256);
    response.status(200);
    response.setHeader('Content-Type', safeContentType(attachment.contentType));
    response.setHeader('Content-Length', String(size));
    response.setHeader('Content-Disposition', attachmentDisposition(attachment.name));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    await pipeline(Readable.from(bytes), response);
  }
}
