import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { ConflictError, InvalidInputError, NotFoundError, UploadTooLargeError, XmlRefusedError } from '@fieldsync/sync-core';
import { storeTroubleAnswer } from './store-trouble-answer.js';
import { BadUploadError } from './upload/upload-body.js';

const STATUS_OF: [abstract new (...args: never[]) => Error, number][] = [
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [InvalidInputError, HttpStatus.BAD_REQUEST],
  [XmlRefusedError, HttpStatus.BAD_REQUEST],
  [UploadTooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
];

/**
 * The one mapping from what went wrong to what a client is told, for every route of the
 * gateway (the admin API through DomainErrorsFilter, the device doors in their own wording):
 * a refused body or a domain error gets its 4xx, a database or disk outage 503/507 with
 * Retry-After (set on `response` here). Null for anything else: a fault of ours, a 500.
 */
export function errorAnswer(error: unknown, response: Response): { status: number; message: string } | null {
  if (error instanceof BadUploadError) return { status: error.status, message: error.message };
  const known = STATUS_OF.find(([type]) => error instanceof type);
  if (known) return { status: known[1], message: (error as Error).message };
  return storeTroubleAnswer(error, response);
}
