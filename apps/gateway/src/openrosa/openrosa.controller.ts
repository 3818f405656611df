import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Controller, Get, Head, HttpStatus, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  BlobStore,
  safeContentType,
  Device,
  DeviceLogin,
  FIELDSYNC_CONFIG,
  FormService,
  isCleanMediaName,
  NotFoundError,
  ReceivedAttachment,
  SubmissionService,
  UploadSlots,
} from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { authenticateDevice } from '../upload/device-credentials.js';
import { BadUploadError, forEachMultipartFile, readUpTo } from '../upload/upload-body.js';
import { dropUnreadBody } from '../upload/unread-body.js';
import { errorAnswer } from '../error-answer.js';
import { publicBase } from '../public-address.js';
import { openRosaMessage, SUBMISSION_DUPLICATE, SUBMISSION_STORED, xmlText } from './openrosa-response.js';

const MAX_PARTS = 100;
const MAX_XML_BYTES = 10 * 1024 * 1024;
/** Every OpenRosa path also lives under a device URL, `/key/{secret}/…`, which needs no login prompt. */
const paths = (path: string) => [path, `key/:key/${path}`];

/**
 * The OpenRosa server ODK Collect, KoBoCollect and CyberTracker's ODK connector talk to, as ODK
 * Central answers them: `HEAD`/`POST /submission`, and `GET /formList` with each form's XML,
 * manifest and media, so Collect can be set up against FieldSync alone.
 */
@ApiExcludeController()
@Controller()
export class OpenRosaController {
  private readonly logger = new Logger(OpenRosaController.name);

  constructor(
    @Inject(DeviceLogin) private readonly deviceLogin: DeviceLogin,
    @Inject(SubmissionService) private readonly submissions: SubmissionService,
    @Inject(FormService) private readonly forms: FormService,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
    @Inject(UploadSlots) private readonly slots: UploadSlots,
  ) {}

  // OpenRosa asks for HEAD /submission before a POST; HTTP wants GET to answer as HEAD does.
  @Head(paths('submission'))
  @Get(paths('submission'))
  async head(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (!(await this.device(request, response))) return;
    response.status(HttpStatus.NO_CONTENT).end();
  }

  @Post([...paths('submission'), 'v1/projects/:projectRef/submission'])
  async submit(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    const release = this.slots.take(device.id);
    if (!release) {
      response.setHeader('Retry-After', '10');
      response.status(HttpStatus.TOO_MANY_REQUESTS).type('text/xml').send(openRosaMessage('error', 'this device has too many submissions in progress (MAX_UPLOADS_PER_DEVICE); send again shortly'));
      return;
    }
    let xml: Buffer | null = null;
    const received: ReceivedAttachment[] = [];
    let stored = false;
    try {
      if (!request.is('multipart/form-data')) throw new BadUploadError(400, 'send the submission as multipart/form-data with an xml_submission_file part');
      let total = 0;
      // Each attachment streams into the blob store as it arrives: memory holds one chunk, whatever the size.
      await forEachMultipartFile(request, request.iterator({ destroyOnReturn: false }), MAX_PARTS, async (part) => {
        const budget = this.config.maxUploadBytes - total;
        if (part.field === 'xml_submission_file') {
          xml = await readUpTo(part.body, Math.min(MAX_XML_BYTES, budget), 'the submission XML');
          total += xml.length;
          return;
        }
        const name = part.fileName ?? part.field;
        const pending = await this.blobs.streamIn(part.body, budget);
        total += pending.size;
        received.push({ name, contentType: part.contentType, pending });
      });
      if (!xml) throw new BadUploadError(400, 'the submission has no xml_submission_file part');
      const { outcome } = await this.submissions.receive(device, xml, received);
      stored = outcome !== 'duplicate';
      response
        .status(HttpStatus.CREATED)
        .type('text/xml')
        .send(openRosaMessage('submit_success', outcome === 'duplicate' ? SUBMISSION_DUPLICATE : SUBMISSION_STORED));
    } catch (error) {
      if (request.readableAborted) return this.logger.warn(`submission from ${device.login} aborted by the client; nothing stored`);
      const answer = errorAnswer(error, response);
      if (!answer) throw error;
      this.logger.warn(`submission from ${device.login} refused (${answer.status}): ${(error as Error).message}`);
      dropUnreadBody(request, response);
      response.status(answer.status).type('text/xml').send(openRosaMessage('error', answer.message));
    } finally {
      release();
      if (!stored) for (const { pending } of received) await pending.discard();
    }
  }

  @Get(paths('formList'))
  async formList(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    const base = this.baseUrl(request);
    const forms = await this.forms.list({ id: device.projectId });
    const entries = await Promise.all(
      forms.map(async (form) => {
        const id = encodeURIComponent(form.xmlFormId);
        const hasMedia = (await this.forms.media(form)).length > 0;
        return (
          `<xform><formID>${xmlText(form.xmlFormId)}</formID><name>${xmlText(form.name)}</name><version>${xmlText(form.version)}</version><hash>md5:${form.md5}</hash>` +
          `<downloadUrl>${xmlText(`${base}/forms/${id}.xml`)}</downloadUrl>${hasMedia ? `<manifestUrl>${xmlText(`${base}/forms/${id}/manifest`)}</manifestUrl>` : ''}</xform>`
        );
      }),
    );
    response
      .status(HttpStatus.OK)
      .type('text/xml')
      .send(`<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="http://openrosa.org/xforms/xformsList">${entries.join('')}</xforms>\n`);
  }

  @Get(paths('forms/:formFile'))
  async formXml(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    const formFile = String(request.params.formFile);
    const form = formFile.endsWith('.xml') ? await this.formOr404(device, formFile.slice(0, -4), response) : null;
    if (!form)
      return void (
        response.headersSent ||
        response
          .status(HttpStatus.NOT_FOUND)
          .type('text/xml')
          .send(openRosaMessage('error', `no form "${formFile}"`))
      );
    response.status(HttpStatus.OK).type('text/xml');
    await pipeline(Readable.from(this.forms.xml(form)), response);
  }

  @Get(paths('forms/:xmlFormId/manifest'))
  async manifest(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    const form = await this.formOr404(device, String(request.params.xmlFormId), response);
    if (!form) return;
    const base = `${this.baseUrl(request)}/forms/${encodeURIComponent(form.xmlFormId)}/attachments`;
    // A name stored before names were checked is left out: Collect would save it outside the form's folder.
    const files = (await this.forms.media(form))
      .filter((media) => isCleanMediaName(media.name))
      .map(
        (media) => `<mediaFile><filename>${xmlText(media.name)}</filename><hash>md5:${media.md5}</hash><downloadUrl>${xmlText(`${base}/${encodeURIComponent(media.name)}`)}</downloadUrl></mediaFile>`,
      );
    response
      .status(HttpStatus.OK)
      .type('text/xml')
      .send(`<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="http://openrosa.org/xforms/xformsManifest">${files.join('')}</manifest>\n`);
  }

  @Get(paths('forms/:xmlFormId/attachments/:name'))
  async media(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    const form = await this.formOr404(device, String(request.params.xmlFormId), response);
    if (!form) return;
    const file = await this.forms.mediaFile(form, String(request.params.name)).catch((error) => {
      if (!(error instanceof NotFoundError)) throw error;
      response.status(HttpStatus.NOT_FOUND).type('text/xml').send(openRosaMessage('error', error.message));
      return null;
    });
    if (!file) return;
    response.status(HttpStatus.OK).setHeader('Content-Type', safeContentType(file.media.contentType));
    response.setHeader('Content-Length', String(file.media.size));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    await pipeline(Readable.from(file.bytes), response);
  }

  private async formOr404(device: Device, xmlFormId: string, response: Response) {
    return this.forms.newest({ id: device.projectId }, xmlFormId).catch((error) => {
      if (!(error instanceof NotFoundError)) throw error;
      response.status(HttpStatus.NOT_FOUND).type('text/xml').send(openRosaMessage('error', error.message));
      return null;
    });
  }

  /** Where this server was reached, device URL prefix included: links in lists and manifests lead back the same way. */
  private baseUrl(request: Request): string {
    const key = request.params.key;
    return `${publicBase(request, this.config)}${typeof key === 'string' && key ? `/key/${encodeURIComponent(key)}` : ''}`;
  }

  /** The device the request proves; otherwise answers 401 (with the challenge Collect expects) or 429. */
  private async device(request: Request, response: Response): Promise<Device | null> {
    response.setHeader('X-OpenRosa-Version', '1.0');
    response.setHeader('X-OpenRosa-Accept-Content-Length', String(this.config.maxUploadBytes));
    response.setHeader('Date', new Date().toUTCString());
    const result = await authenticateDevice(request, this.deviceLogin);
    if (result?.outcome === 'ok') return result.device;
    if (result?.outcome === 'throttled') {
      response.setHeader('Retry-After', String(result.retryAfterSeconds));
      response.status(HttpStatus.TOO_MANY_REQUESTS).type('text/xml').send(openRosaMessage('error', 'too many failed logins; try again later'));
      return null;
    }
    if (request.params.key) {
      response.status(HttpStatus.UNAUTHORIZED).type('text/xml').send(openRosaMessage('error', "this device URL is not valid (any more): ask the administrator for the device's current URL"));
      return null;
    }
    response.setHeader('WWW-Authenticate', 'Basic realm="FieldSync", charset="UTF-8"');
    response.status(HttpStatus.UNAUTHORIZED).type('text/xml').send(openRosaMessage('error', 'log in with the device login and secret, or use the device URL (…/key/{secret})'));
    return null;
  }
}
