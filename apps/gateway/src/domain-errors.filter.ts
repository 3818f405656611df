import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { ConflictError, InvalidInputError, NotFoundError, UploadTooLargeError } from '@fieldsync/sync-core';

/** Maps sync-core's domain errors to HTTP answers; everything else is Nest's default handling. */
@Catch(NotFoundError, ConflictError, InvalidInputError, UploadTooLargeError)
export class DomainErrorsFilter implements ExceptionFilter {
  catch(error: Error, host: ArgumentsHost): void {
    const status =
      error instanceof NotFoundError ? HttpStatus.NOT_FOUND
      : error instanceof ConflictError ? HttpStatus.CONFLICT
      : error instanceof UploadTooLargeError ? HttpStatus.PAYLOAD_TOO_LARGE
      : HttpStatus.BAD_REQUEST;
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, message: error.message });
  }
}
