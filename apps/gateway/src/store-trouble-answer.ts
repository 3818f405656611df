import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { storeTrouble, storeTroubleMessage } from '@fieldsync/sync-core';

/**
 * The HTTP answer to a database or disk outage: 507 for a full disk, 503 otherwise, both with
 * Retry-After, so devices keep the file and send it again instead of treating it as refused.
 * Returns null for any other error.
 */
export function storeTroubleAnswer(error: unknown, response: Response): { status: number; message: string } | null {
  const trouble = storeTrouble(error);
  if (!trouble) return null;
  response.setHeader('Retry-After', trouble === 'full' ? '60' : '10');
  return { status: trouble === 'full' ? HttpStatus.INSUFFICIENT_STORAGE : HttpStatus.SERVICE_UNAVAILABLE, message: storeTroubleMessage(trouble) };
}
