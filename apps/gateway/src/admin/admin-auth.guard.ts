import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, HttpException, HttpStatus, Inject, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { Account, AccountService, AdminToken, AdminTokenService, FAILURE_COUNTS, LoginThrottle, ProjectService, Session, SessionService } from '@fieldsync/sync-core';
import type { FailureCounts } from '@fieldsync/sync-core';
import { clientAddress } from '../client-address.js';

export const SESSION_COOKIE = 'fieldsync_session';

const ANY_ROLE = 'fieldsync:any-role';
/** A route every signed-in caller may use whatever their role (signing out, changing one's own password). */
export const AnyRole = () => SetMetadata(ANY_ROLE, true);

const SITE_ADMIN_ONLY = 'fieldsync:site-admin-only';
const BASIC_CHALLENGE = 'fieldsync:basic-challenge';
/**
 * Routes read by GIS and spreadsheet tools (QGIS, GDAL, Excel, Power BI), which send a token as the
 * password of HTTP Basic and prompt for one only when a 401 carries a Basic challenge. Not the
 * console's routes: a browser would answer such a challenge with its own login box.
 */
export const BasicChallenge = () => SetMetadata(BASIC_CHALLENGE, true);
/** Routes for site administrators (and unrestricted admin tokens) only, refused before anything else runs. */
export const SiteAdminOnly = () => SetMetadata(SITE_ADMIN_ONLY, true);

/**
 * Who is calling the admin API, and what this request may do. A token has one role over its
 * projects; a person is a site administrator (everything) or has a role per project, and
 * `role` is the one they hold in the project the request names (manager: admin; viewer:
 * read-only; a route naming no project: read-only unless site administrator).
 */
export interface Principal {
  kind: 'token' | 'person';
  id: string;
  /** How the audit trail names the actor. */
  actor: string;
  role: 'admin' | 'read-only';
  /** Projects visible to the caller; null: every project (and creating projects, tokens, people). */
  projectIds: string[] | null;
  siteAdmin: boolean;
  account: Account | null;
  session: Session | null;
}

type AdminRequest = Request & { principal?: Principal };

const READS = new Set(['GET', 'HEAD']);
/** Tokens made by tokens made by tokens…: a chain longer than this is refused rather than followed. */
const MAX_OWNER_CHAIN = 8;

export function cookie(request: Request, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

/**
 * Admin API access: `Authorization: Bearer <admin token>` (scripts), or the session cookie of a
 * signed-in person (the console), whose changes must carry the session's X-CSRF-Token: a form
 * posted from another site sends the cookie but cannot send the header.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  /** Wrong tokens are counted per address: after too many, that address waits (429). */
  private readonly throttle: LoginThrottle;

  constructor(
    @Inject(AdminTokenService) private readonly tokens: AdminTokenService,
    @Inject(SessionService) private readonly sessions: SessionService,
    @Inject(AccountService) private readonly accounts: AccountService,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(FAILURE_COUNTS) counts: FailureCounts,
  ) {
    this.throttle = new LoginThrottle('admin-token', 10, undefined, counts);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const challenge = this.reflector.getAllAndOverride<boolean | undefined>(BASIC_CHALLENGE, [context.getHandler(), context.getClass()]) === true;
    try {
      return await this.admit(context, request, challenge);
    } catch (error) {
      if (challenge && error instanceof UnauthorizedException) context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="FieldSync", charset="UTF-8"');
      throw error;
    }
  }

  private async admit(context: ExecutionContext, request: AdminRequest, basicAllowed: boolean): Promise<boolean> {
    // A token as the password of HTTP Basic (any user name), where tools that only speak Basic read.
    const basic = basicAllowed ? /^Basic\s+([A-Za-z0-9+/=]{1,400})$/i.exec(request.headers.authorization ?? '') : null;
    const basicToken = basic ? /^[^:]*:(\S{1,200})$/.exec(Buffer.from(basic[1]!, 'base64').toString('utf8'))?.[1] : undefined;
    const bearer = basicToken ? [basicToken, basicToken] : /^Bearer\s+(\S{1,200})$/i.exec(request.headers.authorization ?? '');
    const slug = typeof request.params?.slug === 'string' ? request.params.slug : null;
    let principal: Principal;
    if (bearer) {
      const token = await this.tokens.authenticate(bearer[1]!);
      const bounded = token && (await this.boundedByOwners(token, slug));
      if (!bounded) {
        // Only failures are counted and refused: a valid token always passes, so one guesser
        // behind an office's shared address does not lock the office out.
        const key = [`admin:${clientAddress(request)}`];
        const wait = await this.throttle.retryAfterSeconds(key);
        await this.throttle.recordFailure(key);
        if (wait > 0) {
          context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(wait));
          throw new HttpException(`too many wrong admin tokens from your address; try again in ${wait} s`, HttpStatus.TOO_MANY_REQUESTS);
        }
        throw new UnauthorizedException(token ? 'the person or token that made this token is disabled or revoked' : 'this admin token is wrong or was revoked');
      }
      principal = bounded;
    } else {
      const sessionToken = cookie(request, SESSION_COOKIE);
      if (!sessionToken)
        throw new UnauthorizedException(
          basicAllowed
            ? 'send an API token as the password of HTTP Basic (any user name), or Authorization: Bearer <token>'
            : 'sign in (POST /api/v1/session) or send an admin token: Authorization: Bearer <token>',
        );
      const signedIn = await this.sessions.resolve(sessionToken);
      if (!signedIn) throw new UnauthorizedException('your session has ended; sign in again');
      if (!READS.has(request.method) && request.headers['x-csrf-token'] !== signedIn.session.csrfToken) {
        throw new ForbiddenException('a change made with a session needs its X-CSRF-Token header (from POST or GET /api/v1/session)');
      }
      principal = await this.fromAccount(signedIn.account, signedIn.session, slug);
    }
    if (this.reflector.getAllAndOverride<boolean | undefined>(SITE_ADMIN_ONLY, [context.getHandler(), context.getClass()]) && !principal.siteAdmin) {
      throw new ForbiddenException('this needs a site administrator (or an unrestricted admin token)');
    }
    const anyRole = this.reflector.get<boolean | undefined>(ANY_ROLE, context.getHandler()) === true;
    if (principal.role === 'read-only' && !READS.has(request.method) && !anyRole) {
      throw new ForbiddenException(principal.kind === 'token' ? 'this token is read-only' : 'you may only read here: changes need the manager role in this project (or a site administrator)');
    }
    request.principal = principal;
    return true;
  }

  /**
   * A token acts with at most its maker's current rights, read at every use (so on every gateway at
   * once): a disabled person's tokens, and tokens made by a revoked token, stop; a person who lost a
   * project or a role takes it from their tokens too. Null: the token may not act at all.
   */
  private async boundedByOwners(token: AdminToken, slug: string | null, depth = 0): Promise<Principal | null> {
    const own = fromToken(token);
    if (token.ownerAccountId) {
      const owner = await this.accounts.get(token.ownerAccountId).catch(() => null);
      if (!owner?.enabled) return null;
      return narrowed(own, await this.fromAccount(owner, null, slug));
    }
    if (token.ownerTokenId && depth < MAX_OWNER_CHAIN) {
      const owner = await this.tokens.byId(token.ownerTokenId);
      if (!owner || owner.revokedAt) return null;
      const bound = await this.boundedByOwners(owner, slug, depth + 1);
      return bound && narrowed(own, bound);
    }
    return token.ownerTokenId ? null : own;
  }

  private async fromAccount(account: Account, session: Session | null, slug: string | null): Promise<Principal> {
    const base = { kind: 'person' as const, id: account.id, actor: `person:${account.login}`, account, session };
    if (account.siteAdmin) return { ...base, role: 'admin', projectIds: null, siteAdmin: true };
    const memberships = await this.accounts.memberships(account.id);
    const projectIds = memberships.map((membership) => membership.projectId);
    const project = slug ? await this.projects.bySlug(slug, projectIds).catch(() => null) : null;
    // A project the person cannot see is answered 404 by its route, as for any caller, so that
    // "forbidden" never tells a stranger the project exists.
    if (slug && !project) return { ...base, role: 'admin', projectIds, siteAdmin: false };
    const manager = project !== null && memberships.some((membership) => membership.projectId === project.id && membership.role === 'manager');
    return { ...base, role: manager ? 'admin' : 'read-only', projectIds, siteAdmin: false };
  }
}

function fromToken(token: AdminToken): Principal {
  return {
    kind: 'token',
    id: token.id,
    actor: `token:${token.name} (${token.id})`,
    role: token.role,
    projectIds: token.projectIds,
    siteAdmin: token.role === 'admin' && token.projectIds === null,
    account: null,
    session: null,
  };
}

/** What a token may do within what its owner may do now (the owner's role, projects and site administration). */
function narrowed(own: Principal, owner: Principal): Principal {
  const projectIds = owner.projectIds === null ? own.projectIds : (own.projectIds ?? owner.projectIds).filter((id) => owner.projectIds!.includes(id));
  return { ...own, role: own.role === 'admin' && owner.role === 'admin' ? 'admin' : 'read-only', projectIds, siteAdmin: own.siteAdmin && owner.siteAdmin };
}

/** Who holds a live stream: one signed-in browser (its session), or one token. */
export const streamCaller = (principal: Principal) => (principal.session ? `session:${principal.session.id}` : `${principal.kind}:${principal.id}`);

/** The caller the guard admitted. */
export const CurrentAdmin = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<AdminRequest>().principal!;
});

/** Creating projects and tokens for everyone is for callers without a project scope. */
export function requireAllProjects(principal: Principal): void {
  if (principal.projectIds !== null) throw new ForbiddenException('you are limited to some projects; this needs a site administrator or an unrestricted admin token');
}
