import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, keyIdOf, VerifiedSecretCache, verifySecret } from './secret.js';

describe('secrets', () => {
  it('verifies the secret it hashed and nothing else', async () => {
    const { keyId, secret } = generateSecret();
    expect(keyIdOf(secret)).toBe(keyId);
    const stored = await hashSecret(secret);
    expect(stored).not.toContain(secret);
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(`${secret}x`, stored)).toBe(false);
    expect(await verifySecret(secret, 'plain-text')).toBe(false);
  });

  it('salts every hash', async () => {
    const { secret } = generateSecret();
    expect(await hashSecret(secret)).not.toBe(await hashSecret(secret));
  });

  it('caches only successful checks, per stored hash', async () => {
    const cache = new VerifiedSecretCache();
    const { secret } = generateSecret();
    const stored = await hashSecret(secret);
    expect(await cache.verify('wrong.secret', stored)).toBe(false);
    expect(await cache.verify(secret, stored)).toBe(true);
    expect(await cache.verify(secret, stored)).toBe(true);
    const rotated = await hashSecret(generateSecret().secret);
    expect(await cache.verify(secret, rotated)).toBe(false);
  });
});
