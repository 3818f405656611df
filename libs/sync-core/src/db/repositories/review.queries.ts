import { randomUUID } from 'node:crypto';
import { Database, Tx } from '../database.js';
import { ReviewState } from '../entities/index.js';

export interface SightingComment {
  id: string;
  author: string;
  text: string;
  createdAt: string;
}

/** Sightings looked up per statement (within SQLite's bound-parameter limit). */
const UIDS_PER_STATEMENT = 500;

/** The SQL of the review desk: review states and comments (corrections go through SightingRepository). */
export class ReviewQueries {
  constructor(private readonly database: Database) {}

  /** The review states of those of `uids` the project holds. */
  async statesInTx(tx: Tx, projectId: string, uids: string[]): Promise<Map<string, ReviewState>> {
    const found = new Map<string, ReviewState>();
    for (let start = 0; start < uids.length; start += UIDS_PER_STATEMENT) {
      const part = uids.slice(start, start + UIDS_PER_STATEMENT);
      const rows = await this.database.queryInTx<{ uid: string; review_state: ReviewState }>(
        tx,
        `SELECT uid, review_state FROM sighting WHERE project_id = ? AND uid IN (${part.map(() => '?').join(', ')})`,
        [projectId, ...part],
      );
      for (const row of rows) found.set(row.uid, row.review_state);
    }
    return found;
  }

  /** A new review state, at a new place in the feed (`seq`). */
  async setStateInTx(tx: Tx, projectId: string, uid: string, state: ReviewState, seq: number, now: string): Promise<void> {
    await this.database.queryInTx(tx, 'UPDATE sighting SET review_state = ?, seq = ?, updated_at = ? WHERE project_id = ? AND uid = ?', [state, seq, now, projectId, uid]);
  }

  async commentsInTx(tx: Tx, projectId: string, uid: string): Promise<SightingComment[]> {
    const rows = await this.database.queryInTx<{ id: string; author: string; text: string; created_at: string }>(
      tx,
      'SELECT id, author, text, created_at FROM sighting_comment WHERE project_id = ? AND uid = ? ORDER BY created_at, id',
      [projectId, uid],
    );
    return rows.map((row) => ({ id: row.id, author: row.author, text: row.text, createdAt: row.created_at }));
  }

  async insertCommentInTx(tx: Tx, projectId: string, uid: string, author: string, text: string, createdAt: string): Promise<SightingComment> {
    const id = randomUUID();
    await this.database.queryInTx(tx, 'INSERT INTO sighting_comment (id, project_id, uid, author, text, created_at) VALUES (?, ?, ?, ?, ?, ?)', [id, projectId, uid, author, text, createdAt]);
    return { id, author, text, createdAt };
  }
}
