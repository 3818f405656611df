import { Body, Controller, Delete, Get, Header, HttpCode, HttpStatus, Inject, Logger, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import type { Request, Response } from 'express';
import { Account, AccountService, AuditService, ProjectService, Session, SessionService } from '@fieldsync/sync-core';
import { AdminAuthGuard, AnyRole, CurrentAdmin, SESSION_COOKIE } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { sendProblem } from '../problem.js';
import { clientAddress } from '../client-address.js';

class SignInDto {
  @IsString() @Length(1, 200) login: string;
  @IsString() @Length(1, 200) password: string;
  /** Replaces a one-time password, which opens nothing by itself. */
  @IsOptional() @IsString() @Length(1, 200) newPassword?: string;
}

class ChangePasswordDto {
  @IsString() @Length(1, 200) current: string;
  @IsString() @Length(1, 200) password: string;
}

/** Signing in and out of the console: a server-side session behind an HttpOnly, SameSite=Strict cookie. */
@ApiTags('session')
@Controller('api/v1/session')
export class SessionController {
  private readonly logger = new Logger('SignIn');

  constructor(
    @Inject(AccountService) private readonly accounts: AccountService,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Post()
  @Header('Cache-Control', 'no-store')
  async signIn(@Body() body: SignInDto, @Req() request: Request, @Res() response: Response): Promise<void> {
    const address = clientAddress(request);
    const result = await this.accounts.signIn(body.login, body.password, address, body.newPassword);
    if (result.outcome === 'throttled') {
      response.setHeader('Retry-After', String(result.retryAfterSeconds));
      sendProblem(response, HttpStatus.TOO_MANY_REQUESTS, `too many wrong passwords for this login from your address; try again in ${result.retryAfterSeconds} s`);
      return;
    }
    if (result.outcome === 'refused') {
      this.logger.warn({ message: 'sign-in refused', login: String(body.login).slice(0, 200), address });
      sendProblem(response, HttpStatus.UNAUTHORIZED, 'login or password is wrong, or the account is disabled');
      return;
    }
    if (result.outcome === 'password-expired') {
      sendProblem(response, HttpStatus.FORBIDDEN, 'this password was given to you for one sign-in: choose your own password (newPassword, at least 10 characters) to sign in', {
        passwordChangeRequired: true,
      });
      return;
    }
    if (body.newPassword !== undefined) await this.audit.record({ actor: `person:${result.account.login}`, address, action: 'person.password-changed', target: result.account.login });
    const { token, session } = await this.sessions.open(result.account, address);
    // Secure when the browser came over HTTPS: to this gateway, or to a proxy in TRUST_PROXY (X-Forwarded-Proto).
    response.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/', maxAge: Date.parse(session.expiresAt) - Date.now() });
    await this.audit.record({ actor: `person:${result.account.login}`, address, action: 'session.sign-in' });
    response.status(HttpStatus.OK).json(await this.whoAmI(result.account, session));
  }

  @Get()
  @UseGuards(AdminAuthGuard)
  @Header('Cache-Control', 'no-store')
  async current(@CurrentAdmin() caller: Principal) {
    if (!caller.account || !caller.session) return { kind: 'token', actor: caller.actor, role: caller.role, projectIds: caller.projectIds };
    return this.whoAmI(caller.account, caller.session);
  }

  @Delete()
  @UseGuards(AdminAuthGuard)
  @AnyRole()
  @HttpCode(204)
  async signOut(@CurrentAdmin() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    if (caller.session) await this.sessions.close(caller.session.id);
    response.clearCookie(SESSION_COOKIE, { path: '/' });
    await this.audit.record({ actor: caller.actor, address: clientAddress(request), action: 'session.sign-out' });
  }

  /** A person changes their own password (their other sessions end). */
  @Put('password')
  @UseGuards(AdminAuthGuard)
  @AnyRole()
  @HttpCode(204)
  async changePassword(@CurrentAdmin() caller: Principal, @Body() body: ChangePasswordDto, @Req() request: Request): Promise<void> {
    if (!caller.account) return;
    await this.accounts.changeOwnPassword(caller.account, body.current, body.password, caller.session?.id ?? null);
    await this.audit.record({ actor: caller.actor, address: clientAddress(request), action: 'person.password-changed', target: caller.account.login });
  }

  private async whoAmI(account: Account, session: Session) {
    const memberships = await this.accounts.memberships(account.id);
    const projects = await this.projects.list(memberships.map((membership) => membership.projectId));
    return {
      kind: 'person',
      person: { id: account.id, login: account.login, displayName: account.displayName, siteAdmin: account.siteAdmin },
      projects: account.siteAdmin ? 'all' : projects.map((project) => ({ slug: project.slug, role: memberships.find((membership) => membership.projectId === project.id)!.role })),
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    };
  }
}
