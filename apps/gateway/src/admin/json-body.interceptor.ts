import { CallHandler, ExecutionContext, Injectable, NestInterceptor, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';

/** Admin routes that take files rather than JSON: blank forms (XML or multipart) and their media. */
const FILE_ROUTES = /^\/api\/v1\/projects\/[^/]+\/forms(\/|$)/;
const CHANGES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The admin API reads JSON only: a change sent with a body of another type would be read as
 * empty and refused field by field ("slug must be a string"); it gets 415 with what to send.
 * An interceptor, so that sign-in and the CSRF check (guards) answer first.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const path = request.originalUrl.split('?')[0]!;
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (path.startsWith('/api/v1/') && CHANGES.has(request.method) && hasBody && !FILE_ROUTES.test(path) && !request.is('application/json')) {
      throw new UnsupportedMediaTypeException(`send the body as JSON with Content-Type: application/json (got ${request.headers['content-type'] ?? 'no Content-Type'})`);
    }
    return next.handle();
  }
}
