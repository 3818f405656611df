import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, tap } from 'rxjs';
import { AuditService } from '@fieldsync/sync-core';
import type { Principal } from './admin-auth.guard.js';
import { clientAddress } from '../client-address.js';

const READS = new Set(['GET', 'HEAD']);
/** Routes that record their own events (signing in and out, a person's own password). */
const SELF_RECORDED = /^\/api\/v1\/session/;
const DOWNLOAD = /\/sightings$|\/attachments\/:sha256$|\/batches\/:id\/file$/;

/** Request-body fields worth keeping in the trail: short plain values (secrets are dropped by AuditService). */
function summary(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).filter(([, value]) => (['string', 'number', 'boolean'].includes(typeof value) && String(value).length <= 200) || Array.isArray(value)));
}

/**
 * Records every change made through the admin API, and every download of a project's data, once
 * the handler succeeded: who (person or token), from where, what (method and route), on which
 * project and target.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    // Guards run before interceptors: a request without a principal is a device's (an upload), never audited.
    const principal = request.principal;
    if (!principal) return next.handle();
    const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const recorded = !SELF_RECORDED.test(route) && (!READS.has(request.method) || DOWNLOAD.test(route));
    if (!recorded) return next.handle();
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(tap({ complete: () => void this.record(request, principal, route, response.locals.audit as Record<string, unknown> | undefined).catch(() => undefined) }));
  }

  /** `handlerDetails`: what the handler reported in response.locals.audit (a download's format and rows). */
  private async record(request: Request, principal: Principal, route: string, handlerDetails?: Record<string, unknown>): Promise<void> {
    // The project is found by the INSERT: the handler looked it up already, and one more read per request was a round trip.
    const projectSlug = typeof request.params.slug === 'string' ? request.params.slug : null;
    const target =
      Object.entries(request.params)
        .filter(([name]) => name !== 'slug')
        .map(([name, value]) => `${name}=${value}`)
        .join(' ') || null;
    const details = { ...(READS.has(request.method) ? { ...request.query } : summary(request.body)), ...handlerDetails };
    await this.audit.record({ actor: principal.actor, address: clientAddress(request), action: `${request.method} ${route}`, projectSlug, target, details });
  }
}
