import { ArgumentsHost, Catch, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { ConflictError, InvalidInputError, NotFoundError, UploadTooLargeError } from '@fieldsync/sync-core';
import { storeTroubleAnswer } from './store-trouble-answer.js';

const DOMAIN_STATUS = new Map<abstract new (...args: never[]) => Error, number>([
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [InvalidInputError, HttpStatus.BAD_REQUEST],
  [UploadTooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
]);

/**
 * Maps sync-core's domain errors, and database or disk outages, to HTTP answers; everything
 * else gets Nest's default handling.
 */
@Catch()
export class DomainErrorsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(DomainErrorsFilter.name);

  override catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const domainStatus = error instanceof Error ? DOMAIN_STATUS.get(error.constructor as abstract new (...args: never[]) => Error) : undefined;
    const trouble = domainStatus === undefined ? storeTroubleAnswer(error, response) : null;
    if (trouble) this.logger.warn(`answered ${trouble.status}: ${(error as Error).message}`);
    const answer = domainStatus !== undefined ? { status: domainStatus, message: (error as Error).message } : trouble;
    if (!answer) return super.catch(error, host);
    if (response.headersSent) return void response.destroy();
    response.status(answer.status).json({ statusCode: answer.status, message: answer.message });
  }
}
