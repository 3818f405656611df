import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('opens what it sealed, and nothing sealed under another key', () => {
    const box = new SecretBox('k'.repeat(40));
    const sealed = box.seal('ftp-password');
    expect(sealed).not.toContain('ftp-password');
    expect(box.seal('ftp-password')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('ftp-password');
    expect(() => new SecretBox('x'.repeat(40)).open(sealed)).toThrow(/FIELDSYNC_SECRET_KEY changed/);
  });
});
