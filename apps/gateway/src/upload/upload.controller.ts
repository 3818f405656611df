import { All, Controller, HttpStatus, Inject, Logger, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Batch, cleanPartName, Device, DeviceLogin, FIELDSYNC_CONFIG, IngestService, ProjectService, UploadSlots, UploadTooLargeError } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { authenticateDevice } from './device-credentials.js';
import { errorAnswer } from '../error-answer.js';
import { BadUploadError, decodedBody, forEachMultipartFile } from './upload-body.js';
import { sendProblem } from '../problem.js';
import { dropUnreadBody } from './unread-body.js';

const MAX_FILES_PER_REQUEST = 50;

/**
 * The HTTP door for devices: `POST /upload`, `PUT /upload/{fileName}`, with the file as the body
 * or as multipart `file` parts. Answers 202 only after every batch row is committed.
 */
@ApiExcludeController()
@Controller(['upload', 'key/:key/upload'])
export class UploadController {
  private readonly logger = new Logger(UploadController.name);

  constructor(
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(DeviceLogin) private readonly deviceLogin: DeviceLogin,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
    @Inject(UploadSlots) private readonly slots: UploadSlots,
  ) {}

  @All(['', ':fileName'])
  async upload(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (request.method !== 'POST' && request.method !== 'PUT') {
      response.setHeader('Allow', 'POST, PUT');
      return this.refuse(request, response, HttpStatus.METHOD_NOT_ALLOWED, 'use POST /upload or PUT /upload/{fileName}');
    }
    const auth = await authenticateDevice(request, this.deviceLogin);
    if (auth?.outcome === 'throttled') {
      response.setHeader('Retry-After', String(auth.retryAfterSeconds));
      return this.refuse(request, response, HttpStatus.TOO_MANY_REQUESTS, `too many failed logins; try again in ${auth.retryAfterSeconds} s`);
    }
    if (auth?.outcome !== 'ok') {
      response.setHeader('WWW-Authenticate', 'Basic realm="FieldSync", charset="UTF-8"');
      const reason = !auth ? 'send the device login and secret (HTTP Basic) or Bearer secret' : 'login or secret is wrong, or the device is disabled';
      return this.refuse(request, response, HttpStatus.UNAUTHORIZED, reason);
    }
    const device = auth.device;
    const declaredProject = typeof request.query.project === 'string' ? request.query.project : null;
    if (declaredProject !== null && !(await this.belongsTo(device, declaredProject))) {
      return this.refuse(request, response, HttpStatus.FORBIDDEN, `this device does not belong to project "${declaredProject}"`);
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (!request.headers['content-encoding'] && declaredLength > this.config.maxUploadBytes) {
      return this.refuse(request, response, HttpStatus.PAYLOAD_TOO_LARGE, new UploadTooLargeError(this.config.maxUploadBytes).message);
    }

    const release = this.slots.take(device.id);
    if (!release) {
      response.setHeader('Retry-After', '10');
      return this.refuse(
        request,
        response,
        HttpStatus.TOO_MANY_REQUESTS,
        `this device has ${this.config.maxUploadsPerDevice} uploads in progress already (MAX_UPLOADS_PER_DEVICE); send this one when one of them is done`,
      );
    }
    const batches: Batch[] = [];
    const accept = async (fileName: string | null, body: AsyncIterable<Buffer>) => {
      batches.push(await this.ingest.accept({ projectId: device.projectId, deviceId: device.id, door: 'http', fileName, body }));
    };
    try {
      // Stopping early (a limit hit) must not destroy the request: the answer still has to go out on it.
      const body = decodedBody(request.iterator({ destroyOnReturn: false }), request.headers['content-encoding'], this.config.maxCompressionRatio);
      if (request.is('multipart/form-data')) {
        const files = await forEachMultipartFile(request, body, MAX_FILES_PER_REQUEST, (file) => accept(file.fileName, file.body));
        if (files === 0) throw new BadUploadError(400, 'the multipart body has no file part; send the file in a part named "file"');
      } else {
        const fileName = cleanPartName((request.params.fileName as string | undefined) ?? (request.headers['x-file-name'] as string | undefined));
        await accept(fileName, body);
      }
    } catch (error) {
      if (request.readableAborted) return this.logger.warn(`upload from ${device.login} aborted by the client; nothing stored`);
      const answer = errorAnswer(error, response);
      if (!answer) throw error;
      if (answer.status >= 500) this.logger.warn(`upload from ${device.login} not stored (${(error as Error).message}); answered ${answer.status}`);
      return this.refuse(request, response, answer.status, answer.message, batches);
    } finally {
      release();
    }
    response.status(HttpStatus.ACCEPTED).json({ batches: batches.map(batchAnswer) });
  }

  private async belongsTo(device: Device, slug: string): Promise<boolean> {
    return this.projects.bySlug(slug, [device.projectId]).then(
      () => true,
      () => false,
    );
  }

  /** Answers an upload that will not be (fully) stored, then drops the rest of its body and closes the connection. */
  private refuse(request: Request, response: Response, status: number, message: string, committed: Batch[] = []): void {
    dropUnreadBody(request, response);
    sendProblem(response, status, message, committed.length > 0 ? { batches: committed.map(batchAnswer) } : {});
  }
}

/** A committed batch as the uploader sees it; a small file was merged already and says what it held. */
function batchAnswer(batch: Batch) {
  if (batch.status === 'received') return { id: batch.id, status: batch.status };
  const { records, new: added, updated, duplicate, rejected } = batch;
  // A file nothing could be read from says why, so the sender can show it.
  return { id: batch.id, status: batch.status, counts: { records, new: added, updated, duplicate, rejected }, ...(batch.status === 'rejected' ? { error: batch.error } : {}) };
}
