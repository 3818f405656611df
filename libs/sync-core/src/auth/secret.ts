import { createHash, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

/**
 * A secret is "<keyId>.<random>": the key id is public and finds the stored row (so a Bearer
 * secret needs no login), the random part is what is proven. Only a scrypt hash is stored.
 */
export function generateSecret(): { keyId: string; secret: string } {
  const keyId = randomBytes(8).toString('hex');
  return { keyId, secret: `${keyId}.${randomBytes(24).toString('base64url')}` };
}

export function keyIdOf(secret: string): string | null {
  const dot = secret.indexOf('.');
  return dot > 0 && dot <= 32 ? secret.slice(0, dot) : null;
}

function scryptAsync(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(secret, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const expectedKey = Buffer.from(expected, 'base64');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64'), expectedKey.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expectedKey.length && timingSafeEqual(key, expectedKey);
}

/** The hash of a random secret nobody kept: checked against when there is no real hash to check. */
const DECOY_HASH = 'scrypt$16384$8$1$JOp9aG3EkwFHTKwvfrEkHQ==$wsOQg97Apb8bkNjzPmf9PjLRSJ1zb+0xaxfzhDo0f1I=';

/**
 * Checks a secret against a stored hash, or against a decoy when there is none (an unknown
 * login, a disabled account): the same scrypt work either way, so the time an answer takes does
 * not tell whether a login exists. Always false without a stored hash.
 */
export async function verifySecretOrDecoy(secret: string, stored: string | null): Promise<boolean> {
  const matches = await verifySecret(secret, stored ?? DECOY_HASH);
  return stored !== null && matches;
}

/**
 * Remembers secrets that already verified against a given stored hash, so a device that
 * uploads every few seconds does not pay for scrypt each time. An entry only counts while the
 * stored hash is unchanged: rotating a secret invalidates it.
 */
export class VerifiedSecretCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity = 2000) {}

  async verify(secret: string, stored: string | null): Promise<boolean> {
    if (stored === null) return verifySecretOrDecoy(secret, null);
    const key = createHash('sha256').update(stored).update('\0').update(secret).digest('base64');
    if (this.entries.has(key)) {
      this.entries.delete(key);
      this.entries.set(key, true);
      return true;
    }
    if (!(await verifySecret(secret, stored))) return false;
    this.entries.set(key, true);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return true;
  }
}
