import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { AdminRole, AdminToken } from '../db/entities/index.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { generateSecret, hashSecret, keyIdOf, VerifiedSecretCache } from './secret.js';

const BOOTSTRAP_ID = 'bootstrap';
/** Where the bootstrap token came from (its owner, as token lists show it). */
const FROM_VARIABLE = 'FIELDSYNC_ADMIN_TOKEN';
const PRINTED = 'printed at start-up';
const LAST_USED_RESOLUTION_MS = 60_000;

/** Who makes a token: how people read it, and the person or token whose rights bound it. */
export interface TokenOwner {
  actor: string;
  accountId?: string;
  tokenId?: string;
}

export class AdminTokenService {
  private readonly verified = new VerifiedSecretCache();

  constructor(private readonly database: Database) {}

  /**
   * The bootstrap token, by two rules: with FIELDSYNC_ADMIN_TOKEN set, the bootstrap token is
   * that value (a token printed earlier stops working); without it, a token is made and printed
   * once — also when the variable was set before and is now removed, since a value taken out of
   * the configuration must stop opening the server. `replaced` says which earlier token ended.
   */
  async ensureBootstrap(configured: string | null): Promise<{ printed: string | null; replaced: 'printed' | 'variable' | null }> {
    const existing = await this.database.read((manager) => manager.findOneBy(AdminToken, { id: BOOTSTRAP_ID }));
    if (configured) {
      if (existing?.owner === FROM_VARIABLE && (await this.verified.verify(configured, existing.secretHash))) return { printed: null, replaced: null };
      await this.replaceBootstrap(await hashSecret(configured), FROM_VARIABLE);
      return { printed: null, replaced: existing ? (existing.owner === FROM_VARIABLE ? 'variable' : 'printed') : null };
    }
    if (existing && existing.owner !== FROM_VARIABLE) return { printed: null, replaced: null };
    const { secret } = generateSecret();
    const secretHash = await hashSecret(secret);
    if (existing) {
      await this.replaceBootstrap(secretHash, PRINTED);
      return { printed: secret, replaced: 'variable' };
    }
    const created = await this.database.transaction(async (manager) => {
      // Several processes start at once: the first one makes it, the others print nothing.
      if (await manager.findOneBy(AdminToken, { id: BOOTSTRAP_ID })) return false;
      await manager.insert(AdminToken, this.bootstrapRow(secretHash, PRINTED));
      return true;
    });
    return { printed: created ? secret : null, replaced: null };
  }

  private async replaceBootstrap(secretHash: string, owner: string): Promise<void> {
    await this.database.transaction(async (manager) => {
      await manager.delete(AdminToken, { id: BOOTSTRAP_ID });
      await manager.insert(AdminToken, this.bootstrapRow(secretHash, owner));
    });
  }

  async create(name: string, role: AdminRole, projectIds: string[] | null, owner: TokenOwner): Promise<{ token: AdminToken; secret: string }> {
    if (!name?.trim() || name.length > 200) throw new InvalidInputError('name must be 1-200 characters');
    if (role !== 'admin' && role !== 'read-only') throw new InvalidInputError('role must be "admin" or "read-only"');
    if (projectIds?.length === 0) throw new InvalidInputError('a token limited to projects names at least one of them');
    const { keyId, secret } = generateSecret();
    const token: AdminToken = {
      id: keyId,
      name: name.trim(),
      secretHash: await hashSecret(secret),
      role,
      projectIds,
      createdAt: nowIso(),
      owner: owner.actor.slice(0, 200),
      ownerAccountId: owner.accountId ?? null,
      ownerTokenId: owner.tokenId ?? null,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.database.transaction((manager) => manager.insert(AdminToken, token));
    return { token, secret };
  }

  /** A token by id, revoked or not (null when there is none): what a token's owner chain is read from. */
  byId(id: string): Promise<AdminToken | null> {
    return this.database.read((manager) => manager.findOneBy(AdminToken, { id }));
  }

  list(): Promise<AdminToken[]> {
    return this.database.read((manager) => manager.find(AdminToken, { order: { createdAt: 'ASC' } }));
  }

  async authenticate(secret: string): Promise<AdminToken | null> {
    if (/[\u0000-\u001f\u007f]/.test(secret)) return null;
    const keyId = keyIdOf(secret);
    const token = await this.database.read(async (manager) => (keyId ? await manager.findOneBy(AdminToken, { id: keyId }) : null) ?? manager.findOneBy(AdminToken, { id: BOOTSTRAP_ID }));
    // Revocation is read from the row at every use, so it holds at once on every gateway.
    if (!(await this.verified.verify(secret, token?.secretHash ?? null)) || !token || token.revokedAt) return null;
    await this.noteUse(token);
    return token;
  }

  /** Revokes a token (the bootstrap token is renewed by FIELDSYNC_ADMIN_TOKEN, not revoked). */
  async revoke(id: string): Promise<AdminToken> {
    if (id === BOOTSTRAP_ID) throw new InvalidInputError('the bootstrap token cannot be revoked: change FIELDSYNC_ADMIN_TOKEN and restart');
    return this.database.transaction(async (manager) => {
      const token = await manager.findOneBy(AdminToken, { id });
      if (!token) throw new NotFoundError(`no token "${id}"`);
      const revokedAt = token.revokedAt ?? nowIso();
      await manager.update(AdminToken, { id }, { revokedAt });
      return { ...token, revokedAt };
    });
  }

  /** Records when a token was last used, at most once a minute: a busy script must not write on every call. */
  private async noteUse(token: AdminToken): Promise<void> {
    const now = Date.now();
    if (token.lastUsedAt && now - Date.parse(token.lastUsedAt) < LAST_USED_RESOLUTION_MS) return;
    await this.database.transaction((manager) => manager.update(AdminToken, { id: token.id }, { lastUsedAt: new Date(now).toISOString() })).catch(() => undefined);
  }

  private bootstrapRow(secretHash: string, owner: string): AdminToken {
    return {
      id: BOOTSTRAP_ID,
      name: 'bootstrap',
      secretHash,
      role: 'admin',
      projectIds: null,
      createdAt: nowIso(),
      owner,
      ownerAccountId: null,
      ownerTokenId: null,
      lastUsedAt: null,
      revokedAt: null,
    };
  }
}
