import { Controller, Get, HttpStatus, Inject, Param, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BlobStore, FIELDSYNC_CONFIG, Form, FormMedia, FormService, InvalidInputError, MediaFile, ProjectService } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { BadUploadError, forEachMultipartFile, readUpTo } from '../upload/upload-body.js';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { sendProblem } from '../problem.js';

const MAX_FORM_BYTES = 10 * 1024 * 1024;
const MAX_MEDIA_FILES = 100;

const formView = (form: Form, media: FormMedia[]) => ({
  xmlFormId: form.xmlFormId,
  version: form.version,
  name: form.name,
  md5: form.md5,
  createdAt: form.createdAt,
  media: media.map(({ name, contentType, size, md5 }) => ({ name, contentType, size, md5 })),
});

/**
 * Blank forms for ODK Collect: the XForm XML (convert an XLSForm with pyxform first), with its
 * media files. Posting a form id again with a new version replaces what devices download.
 */
@ApiTags('forms')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/forms')
export class FormsController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(FormService) private readonly forms: FormService,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  /** The XForm as the body (`Content-Type: application/xml`), or multipart: a `form` part and one part per media file. */
  @Post()
  @ApiConsumes('application/xml', 'multipart/form-data')
  async add(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    let xml: Buffer | null = null;
    const media: MediaFile[] = [];
    try {
      if (request.is('multipart/form-data')) {
        await forEachMultipartFile(request, request.iterator({ destroyOnReturn: false }), MAX_MEDIA_FILES, async (part) => {
          if (part.field === 'form') xml = await readUpTo(part.body, MAX_FORM_BYTES, 'the form');
          else media.push({ name: part.fileName ?? part.field, contentType: part.contentType, pending: await this.blobs.streamIn(part.body, this.config.maxUploadBytes, { md5: true }) });
        });
      } else {
        xml = await readUpTo(request, MAX_FORM_BYTES, 'the form');
      }
      if (!xml || xml.length === 0) throw new InvalidInputError('send the XForm XML as the body, or as a multipart part named "form"');
      const { form, created } = await this.forms.add(project, xml, media);
      response.status(created ? HttpStatus.CREATED : HttpStatus.OK).json(formView(form, await this.forms.media(form)));
    } catch (error) {
      for (const file of media) await file.pending.discard();
      if (error instanceof BadUploadError) return void sendProblem(response, error.status, error.message);
      throw error;
    }
  }

  @Get()
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const forms = await this.forms.listWithVersions(project);
    return {
      forms: await Promise.all(
        forms.map(async (versions) => {
          const newest = versions[versions.length - 1]!;
          return { ...formView(newest, await this.forms.media(newest)), versions: versions.map(({ version, md5, createdAt }) => ({ version, md5, createdAt })) };
        }),
      ),
    };
  }

  /** Adds or replaces one media file of the form's newest version (the body is the file). */
  @Put(':xmlFormId/media/:name')
  async putMedia(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('xmlFormId') xmlFormId: string, @Param('name') name: string, @Req() request: Request) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const pending = await this.blobs.streamIn(request, this.config.maxUploadBytes, { md5: true });
    const contentType = request.headers['content-type'] ?? 'application/octet-stream';
    try {
      const { md5, size } = await this.forms.setMedia(project, xmlFormId, { name, contentType, pending });
      return { name, contentType, size, md5 };
    } catch (error) {
      await pending.discard();
      throw error;
    }
  }
}
