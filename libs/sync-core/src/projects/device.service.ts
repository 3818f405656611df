import { randomBytes, randomUUID } from 'node:crypto';
import { generateSecret, hashSecret, keyIdOf, VerifiedSecretCache } from '../auth/secret.js';
import { Database, Tx } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Device, Project } from '../db/entities/index.js';
import { InvalidInputError, NotFoundError } from '../errors.js';

export interface DeviceCredentials {
  /** Present for Basic auth (and FTP); absent for a Bearer secret. */
  login?: string;
  secret: string;
}

/** How long a device read for a login is used again (see DeviceService.lookedUp). */
/** A device of the project, read through `manager` (a read or the caller's transaction); NotFoundError when it has none of that id. */
async function deviceOf(manager: Tx, project: Project, deviceId: string): Promise<Device> {
  const device = await manager.findOneBy(Device, { id: deviceId, projectId: project.id });
  if (!device) throw new NotFoundError(`no device "${deviceId}" in project "${project.slug}"`);
  return device;
}

const LOOKUP_KEPT_MS = 2000;
const LOOKUPS_KEPT = 10_000;

export class DeviceService {
  private readonly verified = new VerifiedSecretCache();
  private readonly lookups = new Map<string, { device: Device; until: number }>();

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

  /** A device of the project; NotFoundError when the project has none of that id. */
  async byId(project: Project, deviceId: string): Promise<Device> {
    return this.database.read((manager) => deviceOf(manager, project, deviceId));
  }

  byLogin(login: string): Promise<Device | null> {
    return this.database.read((manager) => manager.findOneBy(Device, { login }));
  }

  /** Renames a device, or disables (enables) it: a disabled device's every login is refused. */
  async update(project: Project, deviceId: string, changes: { name?: string; enabled?: boolean }): Promise<Device> {
    if (changes.name !== undefined && (!changes.name.trim() || changes.name.length > 200)) throw new InvalidInputError('name must be 1-200 characters');
    const update = { ...(changes.name !== undefined ? { name: changes.name.trim() } : {}), ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}) };
    const changed = await this.database.transaction(async (manager) => {
      const device = await deviceOf(manager, project, deviceId);
      if (Object.keys(update).length > 0) await manager.update(Device, { id: device.id }, update);
      return { ...device, ...update };
    });
    // After the commit: a login read before it must not be kept with the old row.
    this.forgetLookups();
    return changed;
  }

  /** Gives the device a new secret: the old one (and every device URL carrying it) stops working at once on this gateway, within LOOKUP_KEPT_MS on the others. */
  async rotateSecret(project: Project, deviceId: string): Promise<{ device: Device; secret: string }> {
    const { keyId, secret } = generateSecret();
    const secretHash = await hashSecret(secret);
    const rotated = await this.database.transaction(async (manager) => {
      const device = await deviceOf(manager, project, deviceId);
      await manager.update(Device, { id: device.id }, { secretKeyId: keyId, secretHash });
      return { device: { ...device, secretKeyId: keyId, secretHash }, secret };
    });
    this.forgetLookups();
    return rotated;
  }

  /** The enabled device these credentials prove, or null: callers cannot tell a wrong login from a wrong secret. */
  async authenticate(credentials: DeviceCredentials): Promise<Device | null> {
    const keyId = keyIdOf(credentials.secret);
    const device =
      credentials.login !== undefined ? await this.lookedUp(`login:${credentials.login}`, { login: credentials.login }) : keyId ? await this.lookedUp(`key:${keyId}`, { secretKeyId: keyId }) : null;
    // An unknown login costs the same scrypt work as a known one: the answer's time tells nothing.
    const verified = await this.verified.verify(credentials.secret, device?.secretHash ?? null);
    return verified && device!.enabled ? device : null;
  }

  /** Devices changed or removed by another service (a deleted project's) must be read again. */
  forgetLookups(): void {
    this.lookups.clear();
  }

  /**
   * A device found by its login or key id, read again after LOOKUP_KEPT_MS: when a whole
   * organisation syncs at once, each device is read once per burst rather than once per upload
   * (that read was a third of an upload's statements). A change made through this process is seen
   * at once (the entries are dropped); one made through another gateway within LOOKUP_KEPT_MS.
   */
  private async lookedUp(key: string, where: { login: string } | { secretKeyId: string }): Promise<Device | null> {
    const kept = this.lookups.get(key);
    if (kept && kept.until > Date.now()) return kept.device;
    const device = await this.database.read((manager) => manager.findOneBy(Device, where));
    // Unknown logins are not kept: a device registered through another gateway works at once.
    if (device) {
      this.lookups.delete(key);
      this.lookups.set(key, { device, until: Date.now() + LOOKUP_KEPT_MS });
      if (this.lookups.size > LOOKUPS_KEPT) this.lookups.delete(this.lookups.keys().next().value!);
    }
    return device;
  }
}
