import { createHash, randomBytes } from 'node:crypto';
import { nowIso } from '../db/columns.js';
import { Database } from '../db/database.js';
import { Account, Session } from '../db/entities/index.js';

const SESSION_MS = 12 * 3600_000;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Server-side sessions for people signed in with a password. The cookie holds a random token;
 * the database holds its sha256, so the row is the session: deleting it signs out at once, on
 * every gateway.
 */
export class SessionService {
  constructor(private readonly database: Database) {}

  async open(account: Account, address: string): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: Session = {
      id: digest(token),
      accountId: account.id,
      csrfToken: randomBytes(24).toString('base64url'),
      address: address.slice(0, 64),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + SESSION_MS).toISOString(),
    };
    await this.database.transaction((tx) => tx.insert(Session, session));
    return { token, session };
  }

  /** The live session of this cookie token and its enabled account, or null. */
  async resolve(token: string): Promise<{ session: Session; account: Account } | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    return this.database.read(async (reader) => {
      const session = await reader.findOneBy(Session, { id: digest(token) });
      if (!session || session.expiresAt < nowIso()) return null;
      const account = await reader.findOneBy(Account, { id: session.accountId });
      return account?.enabled ? { session, account } : null;
    });
  }

  async close(sessionId: string): Promise<void> {
    await this.database.transaction((tx) => tx.delete(Session, { id: sessionId }));
  }
}
