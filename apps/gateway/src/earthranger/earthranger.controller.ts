import { randomUUID } from 'node:crypto';
import { Controller, Get, HttpStatus, Inject, Logger, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BlobStore, Device, DeviceLogin, EarthRangerEventService, FIELDSYNC_CONFIG, InvalidInputError } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { errorAnswer } from '../error-answer.js';
import { authenticateDevice } from '../upload/device-credentials.js';
import { BadUploadError, forEachMultipartFile, readUpTo } from '../upload/upload-body.js';
import { clientAddress } from '../client-address.js';
import { publicBase } from '../public-address.js';

const MAX_FILES = 20;
const MAX_FORM_BYTES = 16 * 1024;
/** A year: the token is the device secret, revoked by rotating it. */
const TOKEN_SECONDS = 365 * 24 * 3600;

/**
 * The part of EarthRanger's API that CyberTracker's EarthRanger connector posts to
 * (ctmobile cpp/EarthRanger/EarthRangerProvider.cpp and EarthRangerConnector.cpp): sign-in,
 * events, an event's photos and notes, and edits. Answers have EarthRanger's shape
 * (`{"data": {…}, "status": {"code", "message"}}`); the connector counts any 2xx delivered.
 * The device's secret is its token.
 */
@ApiExcludeController()
@Controller()
export class EarthRangerController {
  private readonly logger = new Logger(EarthRangerController.name);

  constructor(
    @Inject(DeviceLogin) private readonly deviceLogin: DeviceLogin,
    @Inject(EarthRangerEventService) private readonly events: EarthRangerEventService,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  /** OAuth2 password grant with the device login and secret (or a refresh with the token): the token is the secret. */
  @Post('oauth2/token')
  async token(@Req() request: Request, @Res() response: Response): Promise<void> {
    const form = new URLSearchParams((await readUpTo(request, MAX_FORM_BYTES, 'the sign-in form')).toString('utf8'));
    const grant = form.get('grant_type');
    const secret = grant === 'refresh_token' ? form.get('refresh_token') : form.get('password');
    const login = grant === 'password' ? (form.get('username') ?? undefined) : undefined;
    const result = secret ? await this.deviceLogin.authenticate({ login, secret }, clientAddress(request)) : null;
    if (result?.outcome !== 'ok' || !secret) {
      response.status(HttpStatus.UNAUTHORIZED).json({ error: 'invalid_grant', error_description: 'the device login or secret is wrong, or the device is disabled' });
      return;
    }
    response.setHeader('Cache-Control', 'no-store');
    response.status(HttpStatus.OK).json({ access_token: secret, refresh_token: secret, token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope: 'read write' });
  }

  @Get('api/v1.0/user/me')
  async me(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (device) answer(response, HttpStatus.OK, { id: device.id, username: device.login, first_name: device.name, last_name: '' });
  }

  @Post('api/v1.0/activity/events')
  async create(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, async (device) => {
      const id = await this.events.create(device, jsonBody(request));
      answer(response, HttpStatus.CREATED, { id, url: this.eventUrl(request, id) });
    });
  }

  @Patch('api/v1.0/activity/event/:id')
  async patch(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, async (device) => {
      await this.events.patch(device, String(request.params.id), jsonBody(request));
      answer(response, HttpStatus.OK, { id: request.params.id, url: this.eventUrl(request, String(request.params.id)) });
    });
  }

  /** Photos: multipart, one `filecontent.file` part each (the connector sends one per request). */
  @Post('api/v1.0/activity/event/:id/files')
  async file(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, async (device) => {
      if (!request.is('multipart/form-data')) throw new BadUploadError(HttpStatus.BAD_REQUEST, 'send the file as multipart/form-data (part "filecontent.file")');
      const stored: { id: string; filename: string }[] = [];
      const count = await forEachMultipartFile(request, request.iterator({ destroyOnReturn: false }), MAX_FILES, async (part) => {
        const name = part.fileName ?? part.field;
        const pending = await this.blobs.streamIn(part.body, this.config.maxUploadBytes);
        try {
          await this.events.addFile(device, String(request.params.id), name, part.contentType, pending);
        } catch (error) {
          await pending.discard();
          throw error;
        }
        stored.push({ id: pending.sha256, filename: name });
      });
      if (count === 0) throw new BadUploadError(HttpStatus.BAD_REQUEST, 'the request has no file part');
      answer(response, HttpStatus.CREATED, { ...stored[0], url: `${this.eventUrl(request, String(request.params.id))}/file/${stored[0].id}` });
    });
  }

  @Post('api/v1.0/activity/event/:id/notes')
  async note(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.handle(request, response, async (device) => {
      const body = request.body as { text?: unknown } | undefined;
      await this.events.addNote(device, String(request.params.id), typeof body?.text === 'string' ? body.text : '');
      answer(response, HttpStatus.CREATED, { id: randomUUID(), text: body?.text });
    });
  }

  private eventUrl(request: Request, id: string): string {
    return `${publicBase(request, this.config)}/api/v1.0/activity/event/${id}`;
  }

  private async handle(request: Request, response: Response, work: (device: Device) => Promise<void>): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    try {
      await work(device);
    } catch (error) {
      const refusal = errorAnswer(error, response);
      if (!refusal) throw error;
      this.logger.warn(`EarthRanger ${request.method} ${request.path} from ${device.login} answered ${refusal.status}: ${(error as Error).message}`);
      answer(response, refusal.status, null, refusal.message);
    }
  }

  private async device(request: Request, response: Response): Promise<Device | null> {
    const result = await authenticateDevice(request, this.deviceLogin);
    if (result?.outcome === 'ok') return result.device;
    if (result?.outcome === 'throttled') {
      response.setHeader('Retry-After', String(result.retryAfterSeconds));
      answer(response, HttpStatus.TOO_MANY_REQUESTS, null, 'too many failed logins; try again later');
    } else {
      answer(response, HttpStatus.UNAUTHORIZED, null, 'send the device secret as the token: Authorization: Bearer <secret>');
    }
    return null;
  }
}

/** The event as sent: the admin API's JSON parser has read it already (`/api` prefix). */
function jsonBody(request: Request): Buffer {
  if (!request.is('application/json') || request.body === undefined) throw new InvalidInputError('send the event as JSON (Content-Type: application/json)');
  return Buffer.from(JSON.stringify(request.body));
}

function answer(response: Response, code: number, data: unknown, message = code < 300 ? 'OK' : 'Error'): void {
  response.status(code).json({ data, status: { code, message: code === HttpStatus.CREATED ? 'Created' : message } });
}
