import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { AdminRole, AdminToken } from '../db/entities/index.js';
import { InvalidInputError } from '../errors.js';
import { generateSecret, hashSecret, keyIdOf, VerifiedSecretCache } from './secret.js';

const BOOTSTRAP_ID = 'bootstrap';

export class AdminTokenService {
  private readonly verified = new VerifiedSecretCache();

  constructor(private readonly database: Database) {}

  /**
   * Makes sure an all-projects admin token exists. With FIELDSYNC_ADMIN_TOKEN it is that value;
   * without it, one is generated on the first start and returned so the caller can print it once.
   */
  async ensureBootstrap(configured: string | null): Promise<string | null> {
    const existing = await this.database.read((manager) => manager.findOneBy(AdminToken, { id: BOOTSTRAP_ID }));
    if (configured) {
      if (existing && (await this.verified.verify(configured, existing.secretHash))) return null;
      const secretHash = await hashSecret(configured);
      await this.database.transaction(async (manager) => {
        await manager.delete(AdminToken, { id: BOOTSTRAP_ID });
        await manager.insert(AdminToken, this.bootstrapRow(secretHash));
      });
      return null;
    }
    if (existing) return null;
    const { secret } = generateSecret();
    const secretHash = await hashSecret(secret);
    const created = await this.database.transaction(async (manager) => {
      if (await manager.findOneBy(AdminToken, { id: BOOTSTRAP_ID })) return false;
      await manager.insert(AdminToken, this.bootstrapRow(secretHash));
      return true;
    });
    return created ? secret : null;
  }

  async create(name: string, role: AdminRole, projectIds: string[] | null): Promise<{ token: AdminToken; secret: string }> {
    if (!name?.trim() || name.length > 200) throw new InvalidInputError('name must be 1-200 characters');
    if (role !== 'admin' && role !== 'read-only') throw new InvalidInputError('role must be "admin" or "read-only"');
    const { keyId, secret } = generateSecret();
    const token: AdminToken = { id: keyId, name: name.trim(), secretHash: await hashSecret(secret), role, projectIds, createdAt: nowIso() };
    await this.database.transaction((manager) => manager.insert(AdminToken, token));
    return { token, secret };
  }

  list(): Promise<AdminToken[]> {
    return this.database.read((manager) => manager.find(AdminToken, { order: { createdAt: 'ASC' } }));
  }

  async authenticate(secret: string): Promise<AdminToken | null> {
    if (/[\u0000-\u001f\u007f]/.test(secret)) return null;
    const keyId = keyIdOf(secret);
    const token = await this.database.read(async (manager) => (keyId ? await manager.findOneBy(AdminToken, { id: keyId }) : null) ?? manager.findOneBy(AdminToken, { id: BOOTSTRAP_ID }));
    if (!token) return null;
    return (await this.verified.verify(secret, token.secretHash)) ? token : null;
  }

  private bootstrapRow(secretHash: string): AdminToken {
    return { id: BOOTSTRAP_ID, name: 'bootstrap', secretHash, role: 'admin', projectIds: null, createdAt: nowIso() };
  }
}
