import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, SourcePolicy } from './source-policy.js';

describe('SourcePolicy', () => {
  const top = mkdtempSync(join(tmpdir(), 'fieldsync-policy-'));
  const allowed = join(top, 'outbox');
  const dataDir = join(top, 'data');
  // BLOB_DIR may sit under a folder the operator lets sources read: it stays the server's own.
  const blobDir = join(allowed, 'blobs');
  mkdirSync(join(allowed, 'ranger-7'), { recursive: true });
  mkdirSync(blobDir);
  mkdirSync(dataDir);
  symlinkSync('/etc', join(allowed, 'etc-link'));
  symlinkSync(dataDir, join(allowed, 'data-link'));
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  const policy = new SourcePolicy({ folders: [allowed], allowPrivateNetworks: false }, [dataDir, blobDir]);

  it('lets a folder under SOURCE_FOLDERS through, as its real path', async () => {
    await expect(policy.folder(join(allowed, 'ranger-7'), true)).resolves.toBe(join(allowed, 'ranger-7'));
    await expect(policy.folder(join(allowed, 'not-yet'), false)).resolves.toBe(join(allowed, 'not-yet'));
  });

  it.each([
    ['/etc', '/etc'],
    ['a way up with ..', 'outbox/../../../etc'],
    ['a symlink out', 'outbox/etc-link'],
    ['a symlink to DATA_DIR', 'outbox/data-link'],
    ['DATA_DIR', 'data'],
    ['BLOB_DIR, even under SOURCE_FOLDERS', 'outbox/blobs'],
    ['a folder inside BLOB_DIR', 'outbox/blobs/ab'],
  ])('refuses %s', async (_name, path) => {
    await expect(policy.folder(path.startsWith('/') ? path : join(top, path), false)).rejects.toThrow(/not under a folder this server lets sources read/);
  });

  it('refuses every folder when SOURCE_FOLDERS is empty, saying what to set', async () => {
    await expect(new SourcePolicy({ folders: [], allowPrivateNetworks: false }, [dataDir]).folder(allowed, true)).rejects.toThrow(/SOURCE_FOLDERS/);
  });

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    // Other spellings of an IPv4 address inside IPv6: compatible, translated, NAT64, 6to4, Teredo.
    '::127.0.0.1',
    '::7f00:1',
    '::ffff:0:127.0.0.1',
    '::ffff:0:7f00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::a00:1',
    '2002:7f00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '[::1]',
    'fe80::1%eth0',
    '::',
    '255.255.255.255',
    '192.0.2.1',
    'not an address',
  ])('counts %s as private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '196.25.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '2a00:1450:4001:80e::200e'])('counts %s as public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses a private target unless the operator allows private networks', async () => {
    await expect(policy.address('127.0.0.1', true)).rejects.toThrow(/SOURCE_ALLOW_PRIVATE_NETWORKS=true/);
    await expect(policy.address('localhost', true)).rejects.toThrow(/private/);
    await expect(new SourcePolicy({ folders: [], allowPrivateNetworks: true }, [dataDir]).address('127.0.0.1', true)).resolves.toBe('127.0.0.1');
    await expect(policy.address('no-such-host.invalid', false)).resolves.toBeNull();
  });
});
