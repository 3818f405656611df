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

/**
 * Remembers secrets that already verified against a given stored hash, so a device that
 * uploads every few seconds does not pay for scrypt each time. An entry only counts while the
 * stored hash is unchanged: rotating a secret invalidates it.
 */
export class VerifiedSecretCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity = 2000) {}

  async verify(secret: string, stored: string): Promise<boolean> {
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
