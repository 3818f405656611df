import * as crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Database } from '../db/database.js';
import { AccountService } from '../people/account.service.js';
import { DeviceService } from '../projects/device.service.js';
import { ProjectService } from '../projects/project.service.js';
import { AdminTokenService } from './admin-token.service.js';
import { MemoryFailureCounts } from './failure-counts.js';

// Counted, not timed: whether a login exists must not change how much password work an answer costs.
vi.mock('node:crypto', async (original) => {
  const real = await original<typeof import('node:crypto')>();
  return { ...real, scrypt: vi.fn(real.scrypt) };
});

describe('the work of a refused login does not tell whether the login exists', () => {
  const folder = mkdtempSync(join(tmpdir(), 'fieldsync-login-work-'));
  let database: Database;
  const scryptCalls = async (attempt: () => Promise<unknown>) => {
    const scrypt = vi.mocked(crypto.scrypt);
    scrypt.mockClear();
    await attempt();
    return scrypt.mock.calls.length;
  };

  beforeAll(async () => {
    database = await Database.open({ type: 'sqlite', path: join(folder, 'fieldsync.sqlite') });
  });

  afterAll(async () => {
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('a device: an unknown login or key id costs what a wrong secret of a known device costs', async () => {
    const devices = new DeviceService(database);
    const { device } = await devices.create(await new ProjectService(database).create('work', 'work'), 'handheld');
    const known = await scryptCalls(() => devices.authenticate({ login: device.login, secret: 'wrong' }));
    expect(known).toBe(1);
    expect(await scryptCalls(() => devices.authenticate({ login: 'no-such-device', secret: 'wrong' }))).toBe(known);
    expect(await scryptCalls(() => devices.authenticate({ secret: 'abcdef0123456789.wrong' }))).toBe(known);
  });

  it('a person: an unknown or disabled login costs what a wrong password of a known one costs', async () => {
    const accounts = new AccountService(database, new MemoryFailureCounts());
    const { account } = await accounts.create({ login: 'ada', password: 'a long enough password' });
    const known = await scryptCalls(() => accounts.signIn('ada', 'wrong password', '10.0.0.1'));
    expect(known).toBe(1);
    expect(await scryptCalls(() => accounts.signIn('nobody', 'wrong password', '10.0.0.1'))).toBe(known);
    await accounts.update(account.id, { enabled: false });
    expect(await scryptCalls(() => accounts.signIn('ada', 'a long enough password', '10.0.0.1'))).toBe(known);
  });

  it('an admin token: a revoked one costs what a wrong one costs', async () => {
    const tokens = new AdminTokenService(database);
    const { token, secret } = await tokens.create('script', 'admin', null, { actor: 'test' });
    await tokens.revoke(token.id);
    expect(await scryptCalls(() => tokens.authenticate(`${token.id}.wrong`))).toBe(1);
    expect(await scryptCalls(() => tokens.authenticate(secret))).toBe(1);
  });
});
