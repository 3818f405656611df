import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { FieldSyncConfig } from '../config/config.js';
import { Database } from '../db/database.js';
import { Project, Subscription } from '../db/entities/index.js';
import { DeliveredVersion, DeliveryQueries } from '../db/repositories/delivery.queries.js';
import { versionFromRow, versionJson } from '../db/repositories/sighting.repository.js';
import { deliveries, sightingsDelivered } from '../observability/metrics.js';
import { SubscriptionService } from './subscription.service.js';
import { postJson, signature } from './webhook-post.js';

const FIRST_BACKOFF_MS = 1000;

/** The body of one delivery: the versions in (from, to], in seq order. */
export function deliveryBody(subscription: Subscription, project: Pick<Project, 'slug'>, from: number, to: number, rows: DeliveredVersion[]): string {
  if (subscription.format === 'earthranger') {
    // EarthRanger's event shape, as its /activity/events API takes them.
    return JSON.stringify({
      events: rows.map(versionFromRow).map((version) => ({
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
  let sightings = '';
  for (const row of rows) sightings += (sightings ? ',' : '') + versionJson(row);
  return sightingsBody(subscription, project, from, to, sightings);
}

/** FieldSync's own body around its sightings, given as the members of a JSON array. */
function sightingsBody(subscription: Subscription, project: Pick<Project, 'slug'>, from: number, to: number, sightings: string): string {
  return `{"project":${JSON.stringify(project.slug)},"subscription":${JSON.stringify(subscription.id)},"from":${from},"to":${to},"sightings":[${sightings}]}`;
}

/** One range of the feed, ready to POST: its end, its versions, its body. */
interface Page {
  from: number;
  upTo: number;
  /** How many versions the body holds. */
  count: number;
  /** Encoded once: it is both signed and sent. */
  body: Buffer;
}

/**
 * Pages sent under one claim before the subscription goes back to the end of the line, so one
 * long backlog does not keep the others waiting.
 */
const PAGES_PER_CLAIM = 32;

/**
 * Outbound delivery, run by the consolidator role: each round takes the subscriptions that have
 * something to send, one at a time under a lease (so two consolidators never send the same range
 * at once), and POSTs the next ranges of the feed. The cursor moves only after a 2xx; a failed
 * try is repeated with the same range, body and idempotency key, after a growing wait with
 * jitter, without end: a receiver down for a day gets everything when it returns, in order.
 * While a POST is in flight the next range is read and its body built, and the one update that
 * moves the cursor also records that next range as pending and renews the lease.
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

  /** The claim outlives the longest exchange with room to spare; a dead consolidator's claim lapses after it. */
  private leaseUntil(): string {
    return new Date(Date.now() + 2 * this.config.delivery.timeoutMs + 5000).toISOString();
  }

  /** Delivers until no subscription is due or `stopping()` says to stop; returns the POSTs made. */
  async round(stopping: () => boolean = () => false): Promise<number> {
    let posts = 0;
    while (!stopping()) {
      const subscription = await this.queries.claimDueAlone(this.owner, new Date().toISOString(), this.leaseUntil());
      if (!subscription) return posts;
      posts += await this.deliverClaimed(subscription, stopping);
    }
    return posts;
  }

  /** Sends the claimed subscription's pending range, then the ranges after it; returns the POSTs made. */
  private async deliverClaimed(claimed: Subscription, stopping: () => boolean): Promise<number> {
    const project = await this.database.read((reader) => reader.findOneByOrFail(Project, { id: claimed.projectId }));
    const lastSeq = await this.queries.lastSeq(claimed.projectId);
    let subscription = claimed;
    let page: Page;
    if (subscription.pendingTo !== null) {
      // A retry reads its range again: versions at a seq never change, so the body is the same.
      page = await this.page(subscription, project, subscription.cursor, subscription.pendingTo);
    } else {
      page = await this.page(subscription, project, subscription.cursor, lastSeq);
      if (page.count === 0) {
        await this.queries.deliveredAlone(subscription.id, this.owner, page.upTo, new Date().toISOString(), false);
        return 0;
      }
      if (!(await this.queries.setPendingAlone(subscription.id, this.owner, page.upTo))) return 0;
    }
    for (let posts = 1; ; posts++) {
      const more = page.count === subscription.batchSize && page.upTo < lastSeq && posts < PAGES_PER_CLAIM && !stopping();
      const ahead = more ? this.page(subscription, project, page.upTo, lastSeq) : null;
      // A failed read ahead is only a page not read yet: the next claim reads it again.
      ahead?.catch(() => undefined);
      if (!(await this.post(subscription, page))) return posts;
      const next = await ahead?.catch(() => null);
      const now = new Date().toISOString();
      if (!next || next.count === 0) {
        await this.queries.deliveredAlone(subscription.id, this.owner, next?.upTo ?? page.upTo, now, true);
        return posts;
      }
      if (!(await this.queries.deliveredThenPendingAlone(subscription.id, this.owner, page.upTo, next.upTo, now, this.leaseUntil()))) return posts;
      subscription = { ...subscription, cursor: page.upTo, pendingTo: next.upTo, attempts: 0 };
      page = next;
    }
  }

  /**
   * The versions after `from`, at most a batch of them, and the range they cover: a full batch
   * ends at its last seq, a short one at `bound` (the committed feed's end, or the pending range's).
   */
  private async page(subscription: Subscription, project: Pick<Project, 'slug'>, from: number, bound: number): Promise<Page> {
    const limit = subscription.batchSize;
    if (this.database.type === 'postgres' && subscription.format !== 'earthranger') {
      const { json, count, lastSeq } = await this.queries.versionsJsonInRange(subscription, from, bound, limit);
      const upTo = count === limit ? lastSeq : bound;
      return { from, upTo, count, body: Buffer.from(sightingsBody(subscription, project, from, upTo, json)) };
    }
    const versions = await this.queries.versionsInRange(subscription, from, bound, limit);
    const upTo = versions.length === limit ? Number(versions[versions.length - 1]!.seq) : bound;
    return { from, upTo, count: versions.length, body: Buffer.from(deliveryBody(subscription, project, from, upTo, versions)) };
  }

  /** POSTs one page; true on a 2xx, else the failure is recorded and the lease let go. */
  private async post(subscription: Subscription, page: Page): Promise<boolean> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const range = `${page.from + 1}-${page.upTo}`;
    const headers: Record<string, string> = {
      ...(JSON.parse(subscription.headers) as Record<string, string>),
      'user-agent': 'FieldSync',
      // The same range is always the same key: a receiver drops what it has seen.
      'idempotency-key': `${subscription.projectId}:${range}`,
      'x-fieldsync-timestamp': timestamp,
      'x-fieldsync-signature': signature(this.subscriptions.secretOf(subscription), timestamp, page.body),
      'x-fieldsync-seq-range': range,
    };
    try {
      const answer = await postJson(new URL(subscription.url), page.body, headers, { allowPrivate: this.config.delivery.allowPrivateNetworks, timeoutMs: this.config.delivery.timeoutMs });
      if (answer.status < 200 || answer.status > 299) throw new Error(`the receiver answered ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`);
      deliveries.inc({ outcome: 'delivered' });
      sightingsDelivered.inc(page.count);
      if (subscription.attempts > 0) this.logger.log({ message: 'delivering again after failures', subscription: subscription.id, url: subscription.url, failedTries: subscription.attempts });
      return true;
    } catch (error) {
      deliveries.inc({ outcome: 'failed' });
      const waitMs = Math.min(this.config.delivery.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** Math.min(subscription.attempts, 20));
      const jittered = waitMs / 2 + Math.random() * (waitMs / 2);
      await this.queries.failedAlone(subscription.id, this.owner, (error as Error).message, new Date().toISOString(), new Date(Date.now() + jittered).toISOString());
      // Logged on the first failure of a run of them, not on every try.
      if (subscription.attempts === 0)
        this.logger.warn({ message: 'delivery failed; trying again with growing pauses', subscription: subscription.id, url: subscription.url, error: (error as Error).message });
      return false;
    }
  }
}
