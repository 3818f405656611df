import { ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { errorAnswer } from './error-answer.js';

/**
 * Maps sync-core's domain errors, refused bodies, and database or disk outages to HTTP
 * answers (errorAnswer); everything else gets Nest's default handling.
 */
@Catch()
export class DomainErrorsFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(DomainErrorsFilter.name);

  override catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const answer = errorAnswer(error, response);
    if (!answer) return super.catch(error, host);
    if (answer.status >= 500) this.logger.warn(`answered ${answer.status}: ${(error as Error).message}`);
    if (response.headersSent) return void response.destroy();
    response.status(answer.status).json({ statusCode: answer.status, message: answer.message });
  }
}
