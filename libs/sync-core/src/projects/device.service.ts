import { randomBytes, randomUUID } from 'node:crypto';
import { generateSecret, hashSecret, keyIdOf, VerifiedSecretCache } from '../auth/secret.js';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Device, Project } from '../db/entities/index.js';
import { InvalidInputError, NotFoundError } from '../errors.js';

export interface DeviceCredentials {
  /** Present for Basic auth (and FTP); absent for a Bearer secret. */
  login?: string;
  secret: string;
}

export class DeviceService {
  private readonly verified = new VerifiedSecretCache();

  constructor(private readonly database: Database) {}

  /** Registers a device; the returned secret exists only in this answer. */
  async create(project: Project, name: string): Promise<{ device: Device; secret: string }> {
    if (!name?.trim() || name.length > 200) throw new InvalidInputError('name must be 1-200 characters');
    const { keyId, secret } = generateSecret();
    const device: Device = {
      id: randomUUID(),
      projectId: project.id,
      name: name.trim(),
      login: `${project.slug}-${randomBytes(4).toString('hex')}`,
      secretKeyId: keyId,
      secretHash: await hashSecret(secret),
      enabled: true,
      createdAt: nowIso(),
    };
    await this.database.transaction((manager) => manager.insert(Device, device));
    return { device, secret };
  }

  list(project: Project): Promise<Device[]> {
    return this.database.read((manager) => manager.find(Device, { where: { projectId: project.id }, order: { createdAt: 'ASC' } }));
  }

  byLogin(login: string): Promise<Device | null> {
    return this.database.read((manager) => manager.findOneBy(Device, { login }));
  }

  /** Renames a device, or disables (enables) it: a disabled device's every login is refused. */
  async update(project: Project, deviceId: string, changes: { name?: string; enabled?: boolean }): Promise<Device> {
    if (changes.name !== undefined && (!changes.name.trim() || changes.name.length > 200)) throw new InvalidInputError('name must be 1-200 characters');
    const update = { ...(changes.name !== undefined ? { name: changes.name.trim() } : {}), ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}) };
    return this.database.transaction(async (manager) => {
      const device = await manager.findOneBy(Device, { id: deviceId, projectId: project.id });
      if (!device) throw new NotFoundError(`no device "${deviceId}" in project "${project.slug}"`);
      if (Object.keys(update).length > 0) await manager.update(Device, { id: device.id }, update);
      return { ...device, ...update };
    });
  }

  /** Gives the device a new secret: the old one (and every device URL carrying it) stops working at once. */
  async rotateSecret(project: Project, deviceId: string): Promise<{ device: Device; secret: string }> {
    const { keyId, secret } = generateSecret();
    const secretHash = await hashSecret(secret);
    return this.database.transaction(async (manager) => {
      const device = await manager.findOneBy(Device, { id: deviceId, projectId: project.id });
      if (!device) throw new NotFoundError(`no device "${deviceId}" in project "${project.slug}"`);
      await manager.update(Device, { id: device.id }, { secretKeyId: keyId, secretHash });
      return { device: { ...device, secretKeyId: keyId, secretHash }, secret };
    });
  }

  /** The enabled device these credentials prove, or null: callers cannot tell a wrong login from a wrong secret. */
  async authenticate(credentials: DeviceCredentials): Promise<Device | null> {
    const keyId = keyIdOf(credentials.secret);
    const device = await this.database.read((manager) =>
      credentials.login !== undefined ? manager.findOneBy(Device, { login: credentials.login }) : keyId ? manager.findOneBy(Device, { secretKeyId: keyId }) : Promise.resolve(null),
    );
    if (!device || !device.enabled) return null;
    return (await this.verified.verify(credentials.secret, device.secretHash)) ? device : null;
  }
}
