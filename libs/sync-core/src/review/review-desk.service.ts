import { Database, Tx } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Project, ReviewState, Sighting } from '../db/entities/index.js';
import { ProjectFeedRepository } from '../db/repositories/project-feed.repository.js';
import { ReviewQueries, SightingComment } from '../db/repositories/review.queries.js';
import { SightingRepository } from '../db/repositories/sighting.repository.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { contentHash, dataHash } from '../merge/sighting-identity.js';
import { invalidReason } from '../merge/record-validation.js';

/** Sightings one bulk review may name: one transaction, one statement per sighting. */
export const MAX_REVIEWED_AT_ONCE = 5_000;
const MAX_COMMENT_CHARS = 4_000;
const MAX_REASON_CHARS = 1_000;

/** What a person changes in a correction; what it does not name keeps its value. */
export interface Correction {
  data?: Record<string, unknown>;
  latitude?: number | null;
  longitude?: number | null;
  observedAt?: string | null;
  reason: string;
}

function checkedText(text: unknown, name: string, max: number): string {
  if (typeof text !== 'string' || text.trim() === '') throw new InvalidInputError(`${name} must be some text`);
  if (text.length > max) throw new InvalidInputError(`${name} must be at most ${max} characters`);
  if (text.includes('\u0000')) throw new InvalidInputError(`${name} must not contain NUL characters`);
  return text.trim();
}

/**
 * The data manager's desk: review states, comments and corrections. Review changes and
 * corrections take the project's feed row and give the sighting the next seq, as a merge does, so
 * incremental downloads, subscriptions and the live stream see them once, in commit order. A
 * review change keeps no version (the content did not change); a correction is a new revision,
 * the replaced one kept in the history with the device's (or person's) name on it.
 */
export class ReviewDesk {
  private readonly feeds: ProjectFeedRepository;
  private readonly sightings: SightingRepository;
  private readonly queries: ReviewQueries;

  constructor(private readonly database: Database) {
    this.feeds = new ProjectFeedRepository(database);
    this.sightings = new SightingRepository(database);
    this.queries = new ReviewQueries(database);
  }

  /**
   * Sets the review state of these sightings (by id) in one transaction, with the comment on each
   * when there is one. An id the project does not hold refuses the whole request, listing them.
   */
  async review(project: Project, uids: string[], state: ReviewState, comment: string | null, author: string): Promise<{ reviewed: number; changed: number }> {
    const unique = [...new Set(uids)];
    if (unique.length === 0) throw new InvalidInputError('ids must name at least one sighting');
    if (unique.length > MAX_REVIEWED_AT_ONCE) throw new InvalidInputError(`ids may name at most ${MAX_REVIEWED_AT_ONCE} sightings at once`);
    const text = comment === null ? null : checkedText(comment, 'comment', MAX_COMMENT_CHARS);
    return this.database.transaction(async (tx) => {
      let lastSeq = await this.feeds.lockFeedInTx(tx, project.id);
      const found = await this.queries.statesInTx(tx, project.id, unique);
      const unknown = unique.filter((uid) => !found.has(uid));
      if (unknown.length > 0)
        throw new InvalidInputError(
          `no sighting with these ids in project "${project.slug}": ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}; nothing was changed`,
        );
      const now = nowIso();
      let changed = 0;
      for (const uid of unique) {
        // Already in that state: nothing new for readers of the feed (a comment is still kept).
        if (found.get(uid) !== state) {
          await this.queries.setStateInTx(tx, project.id, uid, state, ++lastSeq, now);
          changed++;
        }
        if (text) await this.queries.insertCommentInTx(tx, project.id, uid, author.slice(0, 255), text, now);
      }
      await this.feeds.setLastSeqInTx(tx, project.id, lastSeq);
      return { reviewed: unique.length, changed };
    });
  }

  async comments(project: Project, uid: string): Promise<SightingComment[]> {
    return this.database.read(async (reader) => {
      await this.mustExist(reader, project, uid);
      return this.queries.commentsInTx(reader, project.id, uid);
    });
  }

  async comment(project: Project, uid: string, text: unknown, author: string): Promise<SightingComment> {
    const checked = checkedText(text, 'text', MAX_COMMENT_CHARS);
    return this.database.transaction(async (tx) => {
      await this.mustExist(tx, project, uid);
      return this.queries.insertCommentInTx(tx, project.id, uid, author.slice(0, 255), checked, nowIso());
    });
  }

  /**
   * A person's correction: a new revision with the fields, place or time changed, marked with who
   * and why; the sighting becomes `edited`. The device's own last version stays known
   * (`device_hash`), so a resend of it is a duplicate and never undoes the correction; a device's
   * genuinely new content becomes the next revision after it (BatchWriter). Deleting stays a
   * device's act: a deleted sighting is not corrected.
   */
  async correct(project: Project, uid: string, correction: Correction, author: string): Promise<{ revision: number; seq: number; changed: boolean }> {
    const reason = checkedText(correction.reason, 'reason', MAX_REASON_CHARS);
    if (correction.data !== undefined && (typeof correction.data !== 'object' || correction.data === null || Array.isArray(correction.data))) {
      throw new InvalidInputError('data must be an object of field names and values');
    }
    for (const name of ['latitude', 'longitude'] as const) {
      const value = correction[name];
      if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value))) throw new InvalidInputError(`${name} must be a number or null`);
    }
    if (correction.observedAt !== undefined && correction.observedAt !== null && typeof correction.observedAt !== 'string')
      throw new InvalidInputError('observedAt must be an ISO-8601 date and time or null');
    return this.database.transaction(async (tx) => {
      let lastSeq = await this.feeds.lockFeedInTx(tx, project.id);
      const current = await tx.findOneBy(Sighting, { projectId: project.id, uid });
      if (!current) throw new NotFoundError(`no sighting "${uid}" in project "${project.slug}"`);
      if (current.deleted) throw new InvalidInputError(`sighting "${uid}" was deleted by its device; a deleted sighting is not corrected`);
      const record = {
        uid,
        deviceId: current.deviceId,
        kind: current.kind,
        observedAt: correction.observedAt === undefined ? current.observedAt : correction.observedAt,
        latitude: correction.latitude === undefined ? current.latitude : correction.latitude,
        longitude: correction.longitude === undefined ? current.longitude : correction.longitude,
        altitude: current.altitude,
        accuracy: current.accuracy,
        data: { ...current.data, ...(correction.data ?? {}) },
        attachments: current.attachments,
        deleted: false,
      };
      const problem = invalidReason(record);
      if (problem) throw new InvalidInputError(`the correction cannot be stored: ${problem}`);
      const hash = contentHash(record);
      if (hash === current.contentHash) return { revision: current.revision, seq: current.seq, changed: false };
      const row: Sighting = {
        ...current,
        ...record,
        contentHash: hash,
        dataHash: dataHash(record, hash),
        revision: current.revision + 1,
        seq: ++lastSeq,
        updatedAt: nowIso(),
        reviewState: 'edited',
        changedBy: author,
        changeReason: reason,
        deviceHash: current.deviceHash ?? current.contentHash,
      };
      await this.sightings.replaceVersionInTx(tx, row);
      await this.feeds.setLastSeqInTx(tx, project.id, lastSeq);
      return { revision: row.revision, seq: row.seq, changed: true };
    });
  }

  private async mustExist(tx: Tx, project: Project, uid: string): Promise<void> {
    if ((await this.queries.statesInTx(tx, project.id, [uid])).size === 0) throw new NotFoundError(`no sighting "${uid}" in project "${project.slug}"`);
  }
}
