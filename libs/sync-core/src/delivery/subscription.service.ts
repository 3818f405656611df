import { randomBytes, randomUUID } from 'node:crypto';
import { FieldSyncConfig } from '../config/config.js';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { DeliveryFormat, Project, ProjectFeed, SightingKind, Subscription } from '../db/entities/index.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { SecretBox } from '../pull/secret-box.js';
import { literalAddressProblem } from './webhook-post.js';

export interface SubscriptionInput {
  name: string;
  url: string;
  format?: DeliveryFormat;
  kind?: SightingKind | null;
  deviceId?: string | null;
  headers?: Record<string, string>;
  /** Made when not given; either way shown once. */
  secret?: string;
  batchSize?: number;
  /** Where in the feed to begin: 0 (default) sends everything the project holds, "now" only what comes next. */
  startAt?: 'beginning' | 'now';
}

const FORMATS: DeliveryFormat[] = ['sighting', 'earthranger'];
const KINDS: SightingKind[] = ['sighting', 'waypoint', 'alert'];
/** Headers a subscription may not set: they carry what FieldSync itself says about the delivery. */
const RESERVED_HEADERS = /^(content-type|content-length|host|connection|transfer-encoding|idempotency-key|x-fieldsync-.*)$/i;

export type SubscriptionState = 'ok' | 'retrying' | 'failing' | 'disabled';

/** Paused, delivering, failing for a while (retrying), or for longer than `failingAfterMs` (failing). */
export function subscriptionState(subscription: Pick<Subscription, 'enabled' | 'firstFailedAt'>, failingAfterMs: number, now = Date.now()): SubscriptionState {
  if (!subscription.enabled) return 'disabled';
  if (subscription.firstFailedAt === null) return 'ok';
  return now - Date.parse(subscription.firstFailedAt) >= failingAfterMs ? 'failing' : 'retrying';
}

/** What a subscription looks like through the API: never its secret. */
export function subscriptionView(subscription: Subscription, failingAfterMs: number, reader: 'manager' | 'viewer' = 'manager') {
  const { secretEncrypted: _secret, leaseOwner: _owner, leaseUntil: _lease, headers, ...view } = subscription;
  const whole = { ...view, headerNames: Object.keys(JSON.parse(headers) as Record<string, string>), state: subscriptionState(subscription, failingAfterMs) };
  if (reader === 'manager') return whole;
  // A receiver's token often rides in the query string: a viewer sees where deliveries go, not how they get in.
  const { origin, pathname } = new URL(view.url);
  const url = `${origin}${pathname}`;
  return { ...whole, url, lastError: whole.lastError?.split(view.url).join(url) ?? null };
}

/** A project's outbound subscriptions: where its sightings are pushed, in feed order. */
export class SubscriptionService {
  constructor(
    private readonly database: Database,
    private readonly config: Pick<FieldSyncConfig, 'secretKey' | 'delivery'>,
  ) {}

  private box(): SecretBox {
    if (!this.config.secretKey) throw new InvalidInputError('the server has no FIELDSYNC_SECRET_KEY, so it cannot keep subscription secrets; set it and restart');
    return new SecretBox(this.config.secretKey);
  }

  secretOf(subscription: Subscription): string {
    return this.box().open(subscription.secretEncrypted);
  }

  async create(project: Project, input: SubscriptionInput): Promise<{ subscription: Subscription; secret: string }> {
    const url = this.checkedUrl(input.url);
    const format = input.format ?? 'sighting';
    if (!FORMATS.includes(format)) throw new InvalidInputError(`format must be one of ${FORMATS.join(', ')}`);
    if (input.kind && !KINDS.includes(input.kind)) throw new InvalidInputError(`kind must be one of ${KINDS.join(', ')}`);
    const headers = input.headers ?? {};
    for (const [name, value] of Object.entries(headers)) {
      if (!/^[A-Za-z0-9-]{1,100}$/.test(name) || RESERVED_HEADERS.test(name))
        throw new InvalidInputError(`header "${name}" cannot be set: use letters, digits and dashes, and none of FieldSync's own`);
      if (typeof value !== 'string' || value.length > 2000 || /[\r\n]/.test(value)) throw new InvalidInputError(`header "${name}" must be one line of at most 2000 characters`);
    }
    const batchSize = input.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new InvalidInputError('batchSize must be a whole number from 1 to 1000');
    const secret = input.secret ?? randomBytes(24).toString('base64url');
    if (secret.length < 16) throw new InvalidInputError('secret must be at least 16 characters');
    const subscription: Subscription = {
      id: randomUUID(),
      projectId: project.id,
      name: input.name.trim().slice(0, 200) || url.host,
      url: url.toString(),
      format,
      kind: input.kind ?? null,
      deviceId: input.deviceId ?? null,
      headers: JSON.stringify(headers),
      secretEncrypted: this.box().seal(secret),
      batchSize,
      enabled: true,
      cursor: 0,
      pendingTo: null,
      attempts: 0,
      nextAttemptAt: nowIso(),
      firstFailedAt: null,
      lastError: null,
      lastDeliveredAt: null,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: nowIso(),
    };
    await this.database.transaction(async (tx) => {
      if (input.startAt === 'now') {
        subscription.cursor = (await tx.findOneBy(ProjectFeed, { projectId: project.id }))?.lastSeq ?? 0;
      }
      await tx.insert(Subscription, subscription);
    });
    return { subscription, secret };
  }

  list(project: Project): Promise<Subscription[]> {
    return this.database.read((reader) => reader.find(Subscription, { where: { projectId: project.id }, order: { createdAt: 'ASC' } }));
  }

  async get(project: Project, id: string): Promise<Subscription> {
    const subscription = await this.database.read((reader) => reader.findOneBy(Subscription, { id, projectId: project.id }));
    if (!subscription) throw new NotFoundError(`no subscription "${id}" in project "${project.slug}"`);
    return subscription;
  }

  /** Pauses or resumes; a resumed subscription is tried at once. */
  async setEnabled(project: Project, id: string, enabled: boolean): Promise<Subscription> {
    const subscription = await this.get(project, id);
    await this.database.transaction((tx) => tx.update(Subscription, { id }, { enabled, ...(enabled ? { nextAttemptAt: nowIso() } : {}) }));
    return { ...subscription, enabled };
  }

  async remove(project: Project, id: string): Promise<void> {
    await this.get(project, id);
    await this.database.transaction((tx) => tx.delete(Subscription, { id }));
  }

  /** How many subscriptions are in each state, for /metrics. */
  async countByState(): Promise<Record<SubscriptionState, number>> {
    const all = await this.database.read((reader) => reader.find(Subscription, { select: { id: true, enabled: true, firstFailedAt: true } }));
    const counts: Record<SubscriptionState, number> = { ok: 0, retrying: 0, failing: 0, disabled: 0 };
    for (const subscription of all) counts[subscriptionState(subscription, this.config.delivery.failingAfterMs)]++;
    return counts;
  }

  private checkedUrl(given: string): URL {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw new InvalidInputError(`url must be an http(s):// address, e.g. https://example.org/fieldsync-hook (got "${given}")`);
    }
    if (!['http:', 'https:'].includes(url.protocol)) throw new InvalidInputError('url must start with https:// (or http://)');
    if (url.username || url.password) throw new InvalidInputError('put credentials in a header (headers: {"Authorization": "…"}), not in the url');
    const problem = literalAddressProblem(url, this.config.delivery.allowPrivateNetworks);
    if (problem) throw new InvalidInputError(problem);
    return url;
  }
}
