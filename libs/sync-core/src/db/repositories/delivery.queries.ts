import { Database } from '../database.js';
import { Subscription } from '../entities/index.js';
import { jsonObject, jsonText, sightingJsonMembers } from './feed-export.queries.js';
import { VERSION_COLUMNS } from './sighting.repository.js';

/** versionJson's members in its order, as PostgreSQL writes them from a row of VERSION_COLUMNS. */
const VERSION_JSON: [string, string][] = [...sightingJsonMembers(''), ['receivedAt', jsonText('received_at')]];

/**
 * One version of a sighting as it was stored at its seq, as read (VERSION_COLUMNS): what a
 * delivery sends, through versionJson or versionFromRow.
 */
export type DeliveredVersion = Record<string, unknown> & { seq: number | string };

/** The SQL of outbound delivery: claiming a subscription, reading its range of the feed, moving its cursor. */
export class DeliveryQueries {
  constructor(private readonly database: Database) {}

  /**
   * Takes one subscription that has something to deliver (a range pending, or a cursor behind its
   * project's feed) and is due, for `owner` until `leaseUntil`; null when none is. Two
   * consolidators asking at once never get the same one: the claim re-checks the lease.
   */
  async claimDueAlone(owner: string, now: string, leaseUntil: string): Promise<Subscription | null> {
    const [row] = await this.database.queryAlone<Record<string, unknown>>(
      `UPDATE subscription SET lease_owner = ?, lease_until = ?
        WHERE id = (
          SELECT s.id FROM subscription s JOIN project_feed f ON f.project_id = s.project_id
           WHERE s.enabled = ? AND s.next_attempt_at <= ? AND (s.lease_until IS NULL OR s.lease_until < ?)
             AND (s.pending_to IS NOT NULL OR s.cursor < f.last_seq)
           ORDER BY s.next_attempt_at LIMIT 1)
          AND (lease_until IS NULL OR lease_until < ?)
        RETURNING id`,
      [owner, leaseUntil, true, now, now, now],
    );
    if (!row) return null;
    return this.database.read((reader) => reader.findOneBy(Subscription, { id: String(row.id) }));
  }

  /** The project's committed feed end: every seq up to it is committed. */
  async lastSeq(projectId: string): Promise<number> {
    const [row] = await this.database.queryAlone<{ last_seq: string | number }>('SELECT last_seq FROM project_feed WHERE project_id = ?', [projectId]);
    return Number(row?.last_seq ?? 0);
  }

  /**
   * Every version stored at a seq in (after, upTo], current or since replaced, that the
   * subscription's filter takes, in seq order, at most `limit`: a version replaced later is
   * still sent as it was at its seq.
   */
  async versionsInRange(subscription: Subscription, after: number, upTo: number, limit: number): Promise<DeliveredVersion[]> {
    const [sql, parameters] = this.rangeQuery(subscription, after, upTo, limit);
    return this.database.queryAlone<DeliveredVersion>(sql, parameters);
  }

  /**
   * The same versions written as JSON by PostgreSQL (versionJson's shape, members of an array
   * joined by commas), with how many there are and the last one's seq (0 when there are none):
   * the database builds the page on its own core while this process posts the previous one.
   */
  async versionsJsonInRange(subscription: Subscription, after: number, upTo: number, limit: number): Promise<{ json: string; count: number; lastSeq: number }> {
    const [sql, parameters] = this.rangeQuery(subscription, after, upTo, limit);
    const [row] = await this.database.queryAlone<{ json: string | null; count: string | number; last_seq: string | number | null }>(
      `SELECT string_agg(${jsonObject(VERSION_JSON)}, ',' ORDER BY seq) AS json, count(*) AS count, max(seq) AS last_seq FROM (${sql}) AS page`,
      parameters,
    );
    return { json: row?.json ?? '', count: Number(row?.count ?? 0), lastSeq: Number(row?.last_seq ?? 0) };
  }

  private rangeQuery(subscription: Subscription, after: number, upTo: number, limit: number): [string, unknown[]] {
    const conditions = ['project_id = ?', 'seq > ?', 'seq <= ?'];
    const params: unknown[] = [subscription.projectId, after, upTo];
    if (subscription.kind) conditions.push('kind = ?');
    if (subscription.deviceId) conditions.push('device_id = ?');
    const filterParams = [...(subscription.kind ? [subscription.kind] : []), ...(subscription.deviceId ? [subscription.deviceId] : [])];
    const where = conditions.join(' AND ');
    // Each table gives its first `limit` by seq (an index range on (project_id, seq)), then the two
    // are merged: over the union as a whole PostgreSQL sorted every row of the range for each page.
    return [
      `SELECT * FROM (SELECT ${VERSION_COLUMNS} FROM sighting WHERE ${where} ORDER BY seq LIMIT ?) AS current_versions
       UNION ALL
       SELECT * FROM (SELECT ${VERSION_COLUMNS} FROM sighting_version WHERE ${where} ORDER BY seq LIMIT ?) AS replaced_versions
       ORDER BY seq LIMIT ?`,
      [...params, ...filterParams, limit, ...params, ...filterParams, limit, limit],
    ];
  }

  /** Records the range about to be sent, while the lease is ours. */
  async setPendingAlone(id: string, owner: string, pendingTo: number): Promise<boolean> {
    const rows = await this.database.queryAlone('UPDATE subscription SET pending_to = ? WHERE id = ? AND lease_owner = ? RETURNING id', [pendingTo, id, owner]);
    return rows.length > 0;
  }

  /** A 2xx came back (or nothing in the range was for this subscription): the cursor moves, the lease ends. */
  async deliveredAlone(id: string, owner: string, cursor: number, now: string, sent: boolean): Promise<void> {
    await this.database.queryAlone(
      `UPDATE subscription SET cursor = ?, pending_to = NULL, attempts = 0, first_failed_at = NULL, last_error = NULL, next_attempt_at = ?,
         last_delivered_at = ${sent ? '?' : 'last_delivered_at'}, lease_owner = NULL, lease_until = NULL
        WHERE id = ? AND lease_owner = ?`,
      sent ? [cursor, now, now, id, owner] : [cursor, now, id, owner],
    );
  }

  /**
   * A 2xx came back and the next range is ready: the cursor moves, that range becomes the pending
   * one and the lease is renewed, in one update; false when the lease is no longer ours.
   */
  async deliveredThenPendingAlone(id: string, owner: string, cursor: number, pendingTo: number, now: string, leaseUntil: string): Promise<boolean> {
    const rows = await this.database.queryAlone(
      `UPDATE subscription SET cursor = ?, pending_to = ?, attempts = 0, first_failed_at = NULL, last_error = NULL, last_delivered_at = ?, lease_until = ?
        WHERE id = ? AND lease_owner = ? RETURNING id`,
      [cursor, pendingTo, now, leaseUntil, id, owner],
    );
    return rows.length > 0;
  }

  /** The try failed: the cursor stays, the next try waits. */
  async failedAlone(id: string, owner: string, error: string, now: string, nextAttemptAt: string): Promise<void> {
    await this.database.queryAlone(
      `UPDATE subscription SET attempts = attempts + 1, last_error = ?, first_failed_at = COALESCE(first_failed_at, ?), next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
        WHERE id = ? AND lease_owner = ?`,
      [error.slice(0, 2000), now, nextAttemptAt, id, owner],
    );
  }
}
