import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AdminToken, AdminTokenService, LoginThrottle } from '@fieldsync/sync-core';

type AdminRequest = Request & { adminToken?: AdminToken };

/** Admin API access: `Authorization: Bearer <admin token>`; read-only tokens may only read. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  /** Wrong tokens are counted per address: after too many, that address waits (429). */
  private readonly throttle = new LoginThrottle();

  constructor(@Inject(AdminTokenService) private readonly tokens: AdminTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const key = [`admin:${request.socket.remoteAddress ?? 'unknown'}`];
    const wait = this.throttle.retryAfterSeconds(key);
    if (wait > 0) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
      throw new HttpException(`too many wrong admin tokens from your address; try again in ${wait} s`, HttpStatus.TOO_MANY_REQUESTS);
    }
    const match = /^Bearer\s+(\S{1,200})$/i.exec(request.headers.authorization ?? '');
    const token = match ? await this.tokens.authenticate(match[1]) : null;
    if (!token) {
      if (match) this.throttle.recordFailure(key);
      throw new UnauthorizedException('send an admin token: Authorization: Bearer <token>');
    }
    this.throttle.recordSuccess(key);
    if (token.role === 'read-only' && request.method !== 'GET' && request.method !== 'HEAD') {
      throw new ForbiddenException('this token is read-only');
    }
    request.adminToken = token;
    return true;
  }
}

/** The admin token that authorised the request. */
export const CurrentAdmin = createParamDecorator((_data: unknown, context: ExecutionContext): AdminToken => {
  return context.switchToHttp().getRequest<AdminRequest>().adminToken!;
});

/** Creating projects and tokens for everyone is for tokens without a project scope. */
export function requireAllProjects(token: AdminToken): void {
  if (token.projectIds !== null) throw new ForbiddenException('this token is limited to some projects; use an unrestricted admin token');
}
