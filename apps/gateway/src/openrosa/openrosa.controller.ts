import { createHash } from 'node:crypto';
import { Controller, Head, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import {
  BatchService, Device, DeviceLogin, FIELDSYNC_CONFIG, IngestService, instanceIdOf, OpenRosaEnvelope, parseSubmissionXml,
  XmlRefusedError,
} from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { parseDeviceCredentials } from '../upload/device-credentials.js';
import { cleanFileName } from '../upload/upload-body.js';
import { openRosaMessage } from './openrosa-response.js';
import { storeTroubleAnswer } from '../store-trouble-answer.js';

const MAX_PARTS = 100;

class SubmissionError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * The OpenRosa door for ODK Collect, KoBoCollect and CyberTracker's ODK connector:
 * `HEAD /submission` (Collect asks before sending) and `POST /submission` with an
 * `xml_submission_file` part plus attachment parts. A resubmission of an identical
 * submission answers success and stores nothing new.
 */
@ApiExcludeController()
@Controller('submission')
export class OpenRosaController {
  constructor(
    @Inject(DeviceLogin) private readonly deviceLogin: DeviceLogin,
    @Inject(IngestService) private readonly ingest: IngestService,
    @Inject(BatchService) private readonly batches: BatchService,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
  ) {}

  @Head()
  async head(@Req() request: Request, @Res() response: Response): Promise<void> {
    if (!(await this.device(request, response))) return;
    this.headers(response);
    response.status(HttpStatus.NO_CONTENT).end();
  }

  @Post()
  async submit(@Req() request: Request, @Res() response: Response): Promise<void> {
    const device = await this.device(request, response);
    if (!device) return;
    this.headers(response);
    try {
      const envelope = await this.readSubmission(request);
      const instanceId = instanceIdOf(parseSubmissionXml(envelope.xml));
      if (!instanceId) throw new SubmissionError(400, 'the submission has no meta/instanceID');
      // The envelope's first key is the mark the openrosa decoder recognises.
      const body = Buffer.from(JSON.stringify(envelope));
      const sha256 = createHash('sha256').update(body).digest('hex');
      const already = await this.batches.findSameFile(device.projectId, 'openrosa', instanceId, sha256);
      if (!already) await this.ingest.accept({ projectId: device.projectId, deviceId: device.id, door: 'openrosa', fileName: instanceId, body: [body] });
      response.status(HttpStatus.CREATED).type('text/xml').send(openRosaMessage('submit_success', already ? 'Already received; thank you.' : 'Received; thank you.'));
    } catch (error) {
      const trouble = storeTroubleAnswer(error, response);
      const status = error instanceof SubmissionError ? error.status : error instanceof XmlRefusedError ? 400 : trouble?.status ?? null;
      if (status === null) throw error;
      response.setHeader('Connection', 'close');
      response.status(status).type('text/xml').send(openRosaMessage('error', trouble?.message ?? (error as Error).message));
    }
  }

  private headers(response: Response): void {
    response.setHeader('X-OpenRosa-Version', '1.0');
    response.setHeader('X-OpenRosa-Accept-Content-Length', String(this.config.maxUploadBytes));
    response.setHeader('Date', new Date().toUTCString());
  }

  /** The device these credentials prove; answers 401 (with the Basic challenge Collect expects) otherwise. */
  private async device(request: Request, response: Response): Promise<Device | null> {
    const credentials = parseDeviceCredentials(request.headers.authorization);
    const result = credentials ? await this.deviceLogin.authenticate(credentials, request.socket.remoteAddress ?? 'unknown') : null;
    if (result?.outcome === 'ok') return result.device;
    this.headers(response);
    if (result?.outcome === 'throttled') {
      response.setHeader('Retry-After', String(result.retryAfterSeconds));
      response.status(HttpStatus.TOO_MANY_REQUESTS).type('text/xml').send(openRosaMessage('error', 'too many failed logins; try again later'));
      return null;
    }
    response.setHeader('WWW-Authenticate', 'Basic realm="FieldSync", charset="UTF-8"');
    response.status(HttpStatus.UNAUTHORIZED).type('text/xml').send(openRosaMessage('error', 'log in with the device login and secret'));
    return null;
  }

  /** Collects the XML and attachment parts, within MAX_UPLOAD_BYTES in all. */
  private readSubmission(request: Request): Promise<OpenRosaEnvelope> {
    return new Promise((resolve, reject) => {
      if (!request.is('multipart/form-data')) return reject(new SubmissionError(400, 'send the submission as multipart/form-data with an xml_submission_file part'));
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: request.headers, limits: { files: MAX_PARTS, fileSize: this.config.maxUploadBytes } });
      } catch (error) {
        return reject(new SubmissionError(400, (error as Error).message));
      }
      let total = 0;
      let xml: string | null = null;
      const attachments: OpenRosaEnvelope['attachments'] = [];
      parser.on('file', (field, stream, info) => {
        const pieces: Buffer[] = [];
        stream.on('data', (piece: Buffer) => {
          total += piece.length;
          if (total > this.config.maxUploadBytes) {
            request.unpipe(parser);
            reject(new SubmissionError(413, `the submission is larger than ${this.config.maxUploadBytes} bytes (MAX_UPLOAD_BYTES)`));
            return;
          }
          pieces.push(piece);
        });
        stream.on('end', () => {
          const bytes = Buffer.concat(pieces);
          if (field === 'xml_submission_file') xml = bytes.toString('utf8');
          else attachments.push({ name: cleanFileName(info.filename) ?? cleanFileName(field) ?? 'attachment', contentType: info.mimeType, base64: bytes.toString('base64') });
        });
      });
      parser.on('error', (error) => reject(new SubmissionError(400, `the multipart body cannot be read: ${(error as Error).message}`)));
      parser.on('close', () => (xml === null ? reject(new SubmissionError(400, 'the submission has no xml_submission_file part')) : resolve({ openrosa: 1, xml, attachments })));
      request.pipe(parser);
    });
  }
}
