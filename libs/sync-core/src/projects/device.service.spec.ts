import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Database } from '../db/database.js';
import { DeviceService } from './device.service.js';
import { ProjectService } from './project.service.js';

describe('DeviceService device logins', () => {
  const folder = mkdtempSync(join(tmpdir(), 'fieldsync-devices-'));
  let database: Database;

  beforeAll(async () => {
    database = await Database.open({ type: 'sqlite', path: join(folder, 'fieldsync.sqlite') });
  });

  afterAll(async () => {
    vi.useRealTimers();
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('reads a device once per burst of logins; its own changes count at once, another gateway’s within 2 s', async () => {
    const devices = new DeviceService(database);
    const project = await new ProjectService(database).create('burst', 'burst');
    const { device, secret } = await devices.create(project, 'handheld');
    const login = () => devices.authenticate({ login: device.login, secret });
    expect(await login()).toMatchObject({ id: device.id });

    // Disabled through another gateway (straight in the database): this one still knows the device it read…
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    await database.transaction((tx) => tx.query('UPDATE device SET enabled = ? WHERE id = ?', [0, device.id]));
    expect(await login()).not.toBeNull();
    // …for at most two seconds.
    vi.setSystemTime(Date.now() + 2100);
    expect(await login()).toBeNull();

    await database.transaction((tx) => tx.query('UPDATE device SET enabled = ? WHERE id = ?', [1, device.id]));
    vi.setSystemTime(Date.now() + 2100);
    expect(await login()).not.toBeNull();
    // Through this gateway: refused at once, and a rotated secret replaces the old one at once.
    await devices.update(project, device.id, { enabled: false });
    expect(await login()).toBeNull();
    await devices.update(project, device.id, { enabled: true });
    const rotated = await devices.rotateSecret(project, device.id);
    expect(await login()).toBeNull();
    expect(await devices.authenticate({ login: device.login, secret: rotated.secret })).toMatchObject({ id: device.id });
  });
});
