import { randomBytes, randomUUID } from 'node:crypto';
import { FailureCounts } from '../auth/failure-counts.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { hashSecret, verifySecret, verifySecretOrDecoy } from '../auth/secret.js';
import { nowIso } from '../db/columns.js';
import { Database } from '../db/database.js';
import { Account, Membership, Project, ProjectRole, Session } from '../db/entities/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';

const LOGIN = /^[^\s\u0000-\u001f\u007f]{1,200}$/;
const MIN_PASSWORD_CHARS = 10;

export type SignIn =
  | { outcome: 'ok'; account: Account }
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterSeconds: number }
  /** The password was right but was given for one sign-in: it opens nothing until replaced. */
  | { outcome: 'password-expired' };

export interface AccountView {
  id: string;
  login: string;
  displayName: string;
  siteAdmin: boolean;
  enabled: boolean;
  createdAt: string;
  projects: { projectId: string; role: ProjectRole }[];
}

/** A one-time password: long enough to type once, then changed by its owner. */
function oneTimePassword(): string {
  return randomBytes(12).toString('base64url');
}

function checkedPassword(password: string): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_CHARS || password.length > 200) {
    throw new InvalidInputError(`a password is ${MIN_PASSWORD_CHARS}-200 characters`);
  }
  return password;
}

/**
 * People: accounts with a password (scrypt, as device secrets) and a role per project, or site
 * administrators. Wrong passwords are counted per login *and address* (10 in 15 minutes) and,
 * more gently, per login from anywhere (100): a stranger guessing from elsewhere does not lock
 * the real person out of their own address.
 */
export class AccountService {
  private readonly perLoginAndAddress: LoginThrottle;
  private readonly perLogin: LoginThrottle;

  constructor(
    private readonly database: Database,
    counts: FailureCounts,
  ) {
    this.perLoginAndAddress = new LoginThrottle('person-at', 10, undefined, counts);
    this.perLogin = new LoginThrottle('person', 100, undefined, counts);
  }

  async create(input: { login: string; displayName?: string; password?: string; siteAdmin?: boolean }): Promise<{ account: Account; password: string | null }> {
    const login = (input.login ?? '').trim().toLowerCase();
    if (!LOGIN.test(login)) throw new InvalidInputError('login must be 1-200 characters without spaces (an e-mail address or a user name)');
    const displayName = (input.displayName ?? login).trim().slice(0, 200) || login;
    const generated = input.password === undefined ? oneTimePassword() : null;
    const password = generated ?? checkedPassword(input.password!);
    const account: Account = {
      id: randomUUID(),
      login,
      displayName,
      passwordHash: await hashSecret(password),
      siteAdmin: input.siteAdmin === true,
      enabled: true,
      createdAt: nowIso(),
      passwordExpired: generated !== null,
    };
    await this.database.transaction(async (tx) => {
      if (await tx.findOneBy(Account, { login })) throw new ConflictError(`a person with login "${login}" exists already`);
      await tx.insert(Account, account);
    });
    return { account, password: generated };
  }

  async list(): Promise<AccountView[]> {
    return this.database.read(async (reader) => {
      const [accounts, memberships] = await Promise.all([reader.find(Account, { order: { login: 'ASC' } }), reader.find(Membership)]);
      return accounts.map((account) =>
        this.view(
          account,
          memberships.filter((membership) => membership.accountId === account.id),
        ),
      );
    });
  }

  async get(id: string): Promise<Account> {
    const account = await this.database.read((reader) => reader.findOneBy(Account, { id }));
    if (!account) throw new NotFoundError(`no person "${id}"`);
    return account;
  }

  memberships(accountId: string): Promise<Membership[]> {
    return this.database.read((reader) => reader.findBy(Membership, { accountId }));
  }

  view(account: Account, memberships: Membership[]): AccountView {
    const { id, login, displayName, siteAdmin, enabled, createdAt } = account;
    return { id, login, displayName, siteAdmin, enabled, createdAt, projects: memberships.map(({ projectId, role }) => ({ projectId, role })) };
  }

  /** Changes what a person is; disabling one also ends every session of theirs. */
  async update(id: string, changes: { displayName?: string; siteAdmin?: boolean; enabled?: boolean }): Promise<Account> {
    return this.database.transaction(async (tx) => {
      const account = await tx.findOneBy(Account, { id });
      if (!account) throw new NotFoundError(`no person "${id}"`);
      const next = {
        displayName: changes.displayName?.trim().slice(0, 200) || account.displayName,
        siteAdmin: changes.siteAdmin ?? account.siteAdmin,
        enabled: changes.enabled ?? account.enabled,
      };
      await tx.update(Account, { id }, next);
      if (!next.enabled) await tx.delete(Session, { accountId: id });
      return { ...account, ...next };
    });
  }

  /** Gives a person a role in a project, or (null) takes it away. */
  async setRole(accountId: string, project: Project, role: ProjectRole | null): Promise<void> {
    if (role !== null && role !== 'manager' && role !== 'viewer') throw new InvalidInputError('role must be "manager", "viewer" or null');
    await this.database.transaction(async (tx) => {
      if (!(await tx.findOneBy(Account, { id: accountId }))) throw new NotFoundError(`no person "${accountId}"`);
      await tx.delete(Membership, { accountId, projectId: project.id });
      if (role) await tx.insert(Membership, { accountId, projectId: project.id, role });
    });
  }

  /** A new one-time password, shown once; every session of the person ends. */
  async resetPassword(id: string): Promise<string> {
    const password = oneTimePassword();
    const passwordHash = await hashSecret(password);
    await this.database.transaction(async (tx) => {
      if (!(await tx.findOneBy(Account, { id }))) throw new NotFoundError(`no person "${id}"`);
      await tx.update(Account, { id }, { passwordHash, passwordExpired: true });
      await tx.delete(Session, { accountId: id });
    });
    return password;
  }

  /** A person changes their own password, proving the current one; their other sessions end. */
  async changeOwnPassword(account: Account, current: string, next: string, keepSessionId: string | null): Promise<void> {
    if (!(await verifySecret(String(current ?? ''), account.passwordHash))) throw new InvalidInputError('the current password is wrong');
    const passwordHash = await hashSecret(checkedPassword(next));
    await this.database.transaction(async (tx) => {
      await tx.update(Account, { id: account.id }, { passwordHash, passwordExpired: false });
      const sessions = await tx.findBy(Session, { accountId: account.id });
      for (const session of sessions) if (session.id !== keepSessionId) await tx.delete(Session, { id: session.id });
    });
  }

  /** An administrator lifts a person's lock-out, where the counts are kept (Redis in queue mode: every gateway). */
  async clearLockout(login: string): Promise<number> {
    const normalized = login.trim().toLowerCase();
    return (await this.perLoginAndAddress.forget(normalized)) + (await this.perLogin.forget(normalized));
  }

  /**
   * The enabled person this login and password prove; wrong ones are counted (see the class
   * comment). A one-time password proves the person only together with `newPassword`, which
   * replaces it in the same step: it never opens a session by itself, so it cannot be used twice.
   */
  async signIn(login: string, password: string, address: string, newPassword?: string): Promise<SignIn> {
    const normalized = String(login ?? '')
      .trim()
      .toLowerCase()
      .slice(0, 200);
    const strict = [`${normalized}\n${address}`];
    const gentle = [normalized];
    const wait = Math.max(await this.perLoginAndAddress.retryAfterSeconds(strict), await this.perLogin.retryAfterSeconds(gentle));
    if (wait > 0) return { outcome: 'throttled', retryAfterSeconds: wait };
    const account = LOGIN.test(normalized) ? await this.database.read((reader) => reader.findOneBy(Account, { login: normalized })) : null;
    // An unknown login is checked against a decoy hash: the answer takes as long as for a known one.
    const proven = typeof password === 'string' && password.length <= 200 && (await verifySecretOrDecoy(password, account?.passwordHash ?? null));
    const valid = proven && account !== null && account.enabled;
    if (!valid) {
      await this.perLoginAndAddress.recordFailure(strict);
      await this.perLogin.recordFailure(gentle);
      return { outcome: 'refused' };
    }
    await this.perLoginAndAddress.recordSuccess(strict);
    if (!account.passwordExpired) return { outcome: 'ok', account };
    if (newPassword === undefined) return { outcome: 'password-expired' };
    if (newPassword === password) throw new InvalidInputError('choose a password other than the one-time password');
    const passwordHash = await hashSecret(checkedPassword(newPassword));
    await this.database.transaction((tx) => tx.update(Account, { id: account.id }, { passwordHash, passwordExpired: false }));
    return { outcome: 'ok', account: { ...account, passwordHash, passwordExpired: false } };
  }
}
