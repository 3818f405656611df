import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { FieldSyncConfig } from '../config/config.js';
import { Database } from '../db/database.js';
import { Project, Subscription } from '../db/entities/index.js';
import { DeliveredVersion, DeliveryQueries } from '../db/repositories/delivery.queries.js';
import { deliveries, sightingsDelivered } from '../observability/metrics.js';
import { SubscriptionService } from './subscription.service.js';
import { postJson, signature } from './webhook-post.js';

const FIRST_BACKOFF_MS = 1000;

/** The body of one delivery: the versions in (from, to], in seq order. */
export function deliveryBody(subscription: Subscription, project: Pick<Project, 'slug'>, from: number, to: number, versions: DeliveredVersion[]): string {
  if (subscription.format === 'earthranger') {
    // EarthRanger's event shape, as its /activity/events API takes them.
    return JSON.stringify({
      events: versions.map((version) => ({
        id: version.uid,
        serial_number: version.seq,
        event_type: String(version.data.eventType ?? version.data.Species ?? version.kind),
        time: version.observedAt,
        location: version.latitude === null ? null : { latitude: version.latitude, longitude: version.longitude },
        state: version.deleted ? 'resolved' : 'new',
        event_details: version.data,
        revision: version.revision,
      })),
    });
  }
  return JSON.stringify({
    project: project.slug,
    subscription: subscription.id,
    from,
    to,
    sightings: versions.map(({ uid, ...version }) => ({ id: uid, ...version })),
  });
}

/**
 * Outbound delivery, run by the consolidator role: each round takes the subscriptions that have
 * something to send, one at a time under a lease (so two consolidators never send the same range
 * at once), and POSTs the next range of the feed. The cursor moves only after a 2xx; a failed
 * try is repeated with the same range, body and idempotency key, after a growing wait with
 * jitter, without end: a receiver down for a day gets everything when it returns, in order.
 */
export class DeliveryService {
  private readonly logger = new Logger('Delivery');
  private readonly queries: DeliveryQueries;
  private readonly owner = randomUUID();

  constructor(
    private readonly database: Database,
    private readonly subscriptions: SubscriptionService,
    private readonly config: Pick<FieldSyncConfig, 'delivery'>,
  ) {
    this.queries = new DeliveryQueries(database);
  }

  /** Delivers until no subscription is due or `stopping()` says to stop; returns the POSTs made. */
  async round(stopping: () => boolean = () => false): Promise<number> {
    let posts = 0;
    while (!stopping()) {
      const now = Date.now();
      // The claim outlives the longest exchange with room to spare; a dead consolidator's claim lapses after it.
      const leaseMs = 2 * this.config.delivery.timeoutMs + 5000;
      const subscription = await this.queries.claimDueAlone(this.owner, new Date(now).toISOString(), new Date(now + leaseMs).toISOString());
      if (!subscription) return posts;
      if (await this.deliverOne(subscription)) posts++;
    }
    return posts;
  }

  /** One range to one subscription; true when a POST was made. */
  private async deliverOne(subscription: Subscription): Promise<boolean> {
    const project = await this.database.read((reader) => reader.findOneByOrFail(Project, { id: subscription.projectId }));
    let upTo = subscription.pendingTo;
    let versions: DeliveredVersion[] | null = null;
    if (upTo === null) {
      const lastSeq = await this.queries.lastSeq(subscription.projectId);
      const next = await this.queries.versionsInRange(subscription, subscription.cursor, lastSeq, subscription.batchSize);
      // A full batch ends at its last seq; a short one covers the whole committed feed.
      upTo = next.length === subscription.batchSize ? next[next.length - 1]!.seq : lastSeq;
      if (next.length === 0) {
        await this.queries.deliveredAlone(subscription.id, this.owner, upTo, new Date().toISOString(), false);
        return false;
      }
      if (!(await this.queries.setPendingAlone(subscription.id, this.owner, upTo))) return false;
      versions = next;
    }
    // A retry reads its range again: versions at a seq never change, so the body is the same.
    versions ??= await this.queries.versionsInRange(subscription, subscription.cursor, upTo, subscription.batchSize);
    const body = deliveryBody(subscription, project, subscription.cursor, upTo, versions);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      ...(JSON.parse(subscription.headers) as Record<string, string>),
      'user-agent': 'FieldSync',
      // The same range is always the same key: a receiver drops what it has seen.
      'idempotency-key': `${subscription.projectId}:${subscription.cursor + 1}-${upTo}`,
      'x-fieldsync-timestamp': timestamp,
      'x-fieldsync-signature': signature(this.subscriptions.secretOf(subscription), timestamp, body),
      'x-fieldsync-seq-range': `${subscription.cursor + 1}-${upTo}`,
    };
    try {
      const answer = await postJson(new URL(subscription.url), body, headers, { allowPrivate: this.config.delivery.allowPrivateNetworks, timeoutMs: this.config.delivery.timeoutMs });
      if (answer.status < 200 || answer.status > 299) throw new Error(`the receiver answered ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`);
      await this.queries.deliveredAlone(subscription.id, this.owner, upTo, new Date().toISOString(), true);
      deliveries.inc({ outcome: 'delivered' });
      sightingsDelivered.inc(versions.length);
      if (subscription.attempts > 0) this.logger.log({ message: 'delivering again after failures', subscription: subscription.id, url: subscription.url, failedTries: subscription.attempts });
    } catch (error) {
      deliveries.inc({ outcome: 'failed' });
      const waitMs = Math.min(this.config.delivery.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** Math.min(subscription.attempts, 20));
      const jittered = waitMs / 2 + Math.random() * (waitMs / 2);
      await this.queries.failedAlone(subscription.id, this.owner, (error as Error).message, new Date().toISOString(), new Date(Date.now() + jittered).toISOString());
      // Logged on the first failure of a run of them, not on every try.
      if (subscription.attempts === 0)
        this.logger.warn({ message: 'delivery failed; trying again with growing pauses', subscription: subscription.id, url: subscription.url, error: (error as Error).message });
    }
    return true;
  }
}
