import { nowIso } from '../columns.js';
import { Database, Tx } from '../database.js';

/** What deleting a project took away, for the answer and the audit log. */
export interface RemovedProject {
  sightings: number;
  revisions: number;
  batches: number;
  devices: number;
  attachments: number;
  sources: number;
  forms: number;
  subscriptions: number;
  files: number;
  tokensRevoked: number;
}

/** Rows that hang off the project through another table, deleted before that table's rows. */
const THROUGH = [
  ['rejection', 'batch_id IN (SELECT id FROM batch WHERE project_id = ?)'],
  ['source_file', 'source_id IN (SELECT id FROM source WHERE project_id = ?)'],
  ['form_media', 'form_id IN (SELECT id FROM form WHERE project_id = ?)'],
] as const;

/** Tables holding the project's id, children before the tables they reference; `project` last. */
const OWN = ['submission_instance', 'attachment', 'sighting_comment', 'sighting_version', 'sighting', 'subscription', 'batch', 'device', 'source', 'form', 'membership', 'project_feed'] as const;

/** Every blob the project's rows point at: the candidates for removal once those rows are gone. */
const BLOBS_OF_PROJECT = `
  SELECT blob_id FROM batch WHERE project_id = ?
  UNION SELECT blob_id FROM attachment WHERE project_id = ?
  UNION SELECT blob_id FROM form WHERE project_id = ?
  UNION SELECT m.blob_id FROM form_media m JOIN form f ON f.id = m.form_id WHERE f.project_id = ?`;

/** A blob is stored once for every project that sent the same bytes: it goes only when no row of any project points at it. */
const STILL_USED = `
  EXISTS (SELECT 1 FROM batch WHERE blob_id = b.id) OR EXISTS (SELECT 1 FROM attachment WHERE blob_id = b.id)
  OR EXISTS (SELECT 1 FROM form WHERE blob_id = b.id) OR EXISTS (SELECT 1 FROM form_media WHERE blob_id = b.id)`;

/** The SQL that deletes a project and everything of it, inside one transaction. */
export class ProjectRemovalQueries {
  constructor(private readonly database: Database) {}

  async removeInTx(tx: Tx, projectId: string): Promise<RemovedProject> {
    const count = async (table: string) => Number((await this.database.queryInTx<{ n: number | string }>(tx, `SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?`, [projectId]))[0].n);
    const removed: RemovedProject = {
      sightings: await count('sighting'),
      revisions: await count('sighting_version'),
      batches: await count('batch'),
      devices: await count('device'),
      attachments: await count('attachment'),
      sources: await count('source'),
      forms: await count('form'),
      subscriptions: await count('subscription'),
      files: 0,
      tokensRevoked: 0,
    };
    const blobIds = (await this.database.queryInTx<{ blob_id: string }>(tx, BLOBS_OF_PROJECT, [projectId, projectId, projectId, projectId])).map((row) => row.blob_id);
    for (const [table, where] of THROUGH) await this.database.queryInTx(tx, `DELETE FROM ${table} WHERE ${where}`, [projectId]);
    for (const table of OWN) await this.database.queryInTx(tx, `DELETE FROM ${table} WHERE project_id = ?`, [projectId]);
    await this.database.queryInTx(tx, 'DELETE FROM project WHERE id = ?', [projectId]);
    removed.tokensRevoked = await this.dropFromTokensInTx(tx, projectId);
    removed.files = await this.removeUnusedBlobsInTx(tx, blobIds);
    return removed;
  }

  /** Tokens limited to some projects lose this one; a token left with none could reach nothing and is revoked. */
  private async dropFromTokensInTx(tx: Tx, projectId: string): Promise<number> {
    const tokens = await this.database.queryInTx<{ id: string; project_ids: string }>(tx, 'SELECT id, project_ids FROM admin_token WHERE project_ids IS NOT NULL');
    let revoked = 0;
    for (const token of tokens) {
      const projectIds = JSON.parse(token.project_ids) as string[];
      if (!projectIds.includes(projectId)) continue;
      const left = projectIds.filter((id) => id !== projectId);
      if (left.length === 0) {
        await this.database.queryInTx(tx, 'UPDATE admin_token SET project_ids = ?, revoked_at = COALESCE(revoked_at, ?) WHERE id = ?', [JSON.stringify(left), nowIso(), token.id]);
        revoked++;
      } else {
        await this.database.queryInTx(tx, 'UPDATE admin_token SET project_ids = ? WHERE id = ?', [JSON.stringify(left), token.id]);
      }
    }
    return revoked;
  }

  private async removeUnusedBlobsInTx(tx: Tx, blobIds: string[]): Promise<number> {
    let removed = 0;
    for (let start = 0; start < blobIds.length; start += 500) {
      const part = blobIds.slice(start, start + 500);
      const marks = part.map(() => '?').join(', ');
      const unused = (await this.database.queryInTx<{ id: string }>(tx, `SELECT b.id FROM blob b WHERE b.id IN (${marks}) AND NOT (${STILL_USED})`, part)).map((row) => row.id);
      if (unused.length === 0) continue;
      const unusedMarks = unused.map(() => '?').join(', ');
      await this.database.queryInTx(tx, `DELETE FROM blob_chunk WHERE blob_id IN (${unusedMarks})`, unused);
      await this.database.queryInTx(tx, `DELETE FROM blob WHERE id IN (${unusedMarks})`, unused);
      removed += unused.length;
    }
    return removed;
  }
}
