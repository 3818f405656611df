import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AdminToken, AdminTokenService } from '@fieldsync/sync-core';

type AdminRequest = Request & { adminToken?: AdminToken };

/** Admin API access: `Authorization: Bearer <admin token>`; read-only tokens may only read. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(AdminTokenService) private readonly tokens: AdminTokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const match = /^Bearer\s+(\S{1,200})$/i.exec(request.headers.authorization ?? '');
    const token = match ? await this.tokens.authenticate(match[1]) : null;
    if (!token) throw new UnauthorizedException('send an admin token: Authorization: Bearer <token>');
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
