import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { errorAnswer } from './error-answer.js';
import { sendProblem } from './problem.js';

/** What Nest's own exceptions say (a string, or `message` as one string or one per refused field). */
function detailOf(exception: HttpException): { detail: string; errors?: string[] } {
  const body = exception.getResponse();
  if (typeof body === 'string') return { detail: body };
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return { detail: message.join('; '), errors: message.map(String) };
  return { detail: typeof message === 'string' ? message : exception.message };
}

/**
 * Every error of the gateway's routes becomes problem details (problem.ts): sync-core's domain
 * errors, refused bodies and database or disk outages through errorAnswer, Nest's exceptions
 * (guards, validation, unknown routes) with their own status, and anything else as a 500 whose
 * cause goes to the log, not to the client.
 */
@Catch()
export class DomainErrorsFilter {
  private readonly logger = new Logger(DomainErrorsFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const answer = errorAnswer(error, response);
    let status: number;
    let detail: string;
    let extensions: Record<string, unknown> = {};
    if (answer) {
      ({ status, message: detail } = answer);
    } else if (error instanceof HttpException) {
      status = error.getStatus();
      const { errors, ...rest } = detailOf(error);
      detail = rest.detail;
      if (errors) extensions = { errors };
    } else {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
      detail = 'the server failed on this request; its log says why';
      this.logger.error((error as Error)?.stack ?? String(error));
    }
    if (answer && status >= 500) this.logger.warn(`answered ${status}: ${(error as Error).message}`);
    if (response.headersSent) return void response.destroy();
    sendProblem(response, status, detail, extensions);
  }
}
