import { Database, MAX_BOUND_PARAMETERS, Tx } from '../database.js';
import { ReviewState, Sighting, SightingKind } from '../entities/index.js';

/** The columns of `sighting`, in the order the merge writes them. */
export const SIGHTING_COLUMNS = [
  'id',
  'project_id',
  'uid',
  'device_id',
  'kind',
  'observed_at',
  'latitude',
  'longitude',
  'altitude',
  'accuracy',
  'data',
  'attachments',
  'deleted',
  'content_hash',
  'data_hash',
  'revision',
  'seq',
  'batch_id',
  'received_at',
  'updated_at',
  'review_state',
  'changed_by',
  'change_reason',
  'device_hash',
];

/** The columns sightingFieldsFromRow reads: a version as readers see it. */
export const SIGHTING_FIELD_COLUMNS = [
  'uid',
  'seq',
  'revision',
  'device_id',
  'kind',
  'observed_at',
  'latitude',
  'longitude',
  'altitude',
  'accuracy',
  'data',
  'attachments',
  'deleted',
  'batch_id',
  'review_state',
  'changed_by',
  'change_reason',
];

/** The columns of an earlier version kept in `sighting_version`. */
export const VERSION_COLUMNS = ['project_id', ...SIGHTING_FIELD_COLUMNS, 'received_at'].join(', ');

/** A sighting's version as every reader sees it: the feed and its downloads, the detail view, deliveries. */
export type SightingFields = Pick<
  Sighting,
  | 'uid'
  | 'deviceId'
  | 'kind'
  | 'observedAt'
  | 'latitude'
  | 'longitude'
  | 'altitude'
  | 'accuracy'
  | 'data'
  | 'attachments'
  | 'deleted'
  | 'revision'
  | 'seq'
  | 'batchId'
  | 'reviewState'
  | 'changedBy'
  | 'changeReason'
>;

/** One version of a sighting as stored at its seq (current in `sighting`, or replaced in `sighting_version`). */
export interface VersionRow extends SightingFields {
  receivedAt: string;
}

const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** A row of `sighting` or `sighting_version` read under its column names, as numbers, booleans and parsed JSON. */
export function sightingFieldsFromRow(row: Record<string, unknown>): SightingFields {
  return {
    uid: String(row.uid),
    deviceId: (row.device_id as string | null) ?? null,
    kind: String(row.kind) as SightingKind,
    observedAt: (row.observed_at as string | null) ?? null,
    latitude: numberOrNull(row.latitude),
    longitude: numberOrNull(row.longitude),
    altitude: numberOrNull(row.altitude),
    accuracy: numberOrNull(row.accuracy),
    data: JSON.parse(String(row.data)) as Record<string, unknown>,
    attachments: JSON.parse(String(row.attachments)) as Sighting['attachments'],
    deleted: row.deleted === true || row.deleted === 1,
    revision: Number(row.revision),
    seq: Number(row.seq),
    batchId: String(row.batch_id),
    reviewState: ((row.review_state as ReviewState | null) ?? 'received') as ReviewState,
    changedBy: (row.changed_by as string | null) ?? null,
    changeReason: (row.change_reason as string | null) ?? null,
  };
}

/** A row read with VERSION_COLUMNS. */
export function versionFromRow(row: Record<string, unknown>): VersionRow {
  return { ...sightingFieldsFromRow(row), receivedAt: String(row.received_at) };
}

const jsonValue = (value: unknown) => JSON.stringify(value ?? null);

/**
 * A row read with VERSION_COLUMNS as the JSON text of its VersionRow (without who corrected it,
 * which the history shows), `uid` named `id` and first:
 * what a delivery sends. `data` and `attachments` are stored as JSON text and passed through
 * unparsed (parsing and writing them again was a third of a delivery's time).
 */
export function versionJson(row: Record<string, unknown>): string {
  return (
    `{"id":${jsonValue(String(row.uid))},"deviceId":${jsonValue(row.device_id)},"kind":${jsonValue(String(row.kind))},"observedAt":${jsonValue(row.observed_at)}` +
    `,"latitude":${jsonValue(numberOrNull(row.latitude))},"longitude":${jsonValue(numberOrNull(row.longitude))},"altitude":${jsonValue(numberOrNull(row.altitude))}` +
    `,"accuracy":${jsonValue(numberOrNull(row.accuracy))},"data":${String(row.data)},"attachments":${String(row.attachments)},"deleted":${row.deleted === true || row.deleted === 1}` +
    `,"revision":${Number(row.revision)},"seq":${Number(row.seq)},"batchId":${jsonValue(String(row.batch_id))},"reviewState":${jsonValue(row.review_state ?? 'received')},"receivedAt":${jsonValue(String(row.received_at))}}`
  );
}

/** What the merge compares a record with: the stored version of its uid. */
export interface StoredVersion {
  id: string;
  contentHash: string;
  dataHash: string | null;
  revision: number;
  receivedAt: string;
  reviewState: ReviewState;
  deviceHash: string | null;
}

const STORED_VERSION_COLUMNS = 'id, uid, content_hash, data_hash, revision, received_at, review_state, device_hash';

/** The SQL of the merge's writes to `sighting` (the feed's reads are in FeedService's queries below). */
export class SightingRepository {
  constructor(private readonly database: Database) {}

  async storedVersionsInTx(tx: Tx, projectId: string, uids: string[]): Promise<Map<string, StoredVersion>> {
    const stored = new Map<string, StoredVersion>();
    // PostgreSQL takes the uids as one array parameter: a statement of thousands of parameters
    // costs more to parse and plan than the index lookups themselves. Each uid is looked up on its
    // own through the (project_id, uid) index: with `uid = ANY(…)` the planner, misled by the stale
    // statistics of a project filling in this very transaction, scanned all the project's rows for
    // every step of a large file (30 ms a step at 100k rows, and growing). SQLite binds one
    // parameter per uid, within its limit.
    const postgres = this.database.type === 'postgres';
    const perStatement = postgres ? uids.length : MAX_BOUND_PARAMETERS - 1;
    for (let start = 0; start < uids.length; start += perStatement) {
      const part = uids.slice(start, start + perStatement);
      const rows = await this.database.queryInTx<{
        id: string;
        uid: string;
        content_hash: string;
        data_hash: string | null;
        revision: number | string;
        received_at: string;
        review_state: ReviewState;
        device_hash: string | null;
      }>(
        tx,
        postgres
          ? `SELECT s.id, s.uid, s.content_hash, s.data_hash, s.revision, s.received_at, s.review_state, s.device_hash FROM unnest(?::text[]) AS wanted(uid)
             CROSS JOIN LATERAL (SELECT ${STORED_VERSION_COLUMNS} FROM sighting WHERE project_id = ? AND uid = wanted.uid LIMIT 1) s`
          : `SELECT ${STORED_VERSION_COLUMNS} FROM sighting WHERE project_id = ? AND uid IN (${part.map(() => '?').join(', ')})`,
        postgres ? [part, projectId] : [projectId, ...part],
      );
      for (const row of rows)
        stored.set(row.uid, {
          id: row.id,
          contentHash: row.content_hash,
          dataHash: row.data_hash,
          revision: Number(row.revision),
          receivedAt: row.received_at,
          reviewState: row.review_state,
          deviceHash: row.device_hash,
        });
    }
    return stored;
  }

  async insertInTx(tx: Tx, rows: Sighting[]): Promise<void> {
    await this.database.copyRowsInTx(
      tx,
      'sighting',
      SIGHTING_COLUMNS,
      rows.map((row) => [
        row.id,
        row.projectId,
        row.uid,
        row.deviceId,
        row.kind,
        row.observedAt,
        row.latitude,
        row.longitude,
        row.altitude,
        row.accuracy,
        JSON.stringify(row.data),
        JSON.stringify(row.attachments),
        row.deleted,
        row.contentHash,
        row.dataHash,
        row.revision,
        row.seq,
        row.batchId,
        row.receivedAt,
        row.updatedAt,
        row.reviewState,
        row.changedBy,
        row.changeReason,
        row.deviceHash,
      ]),
    );
  }

  /** Replaces the stored version with `row`, keeping the replaced one in `sighting_version` (the revision history). */
  async replaceVersionInTx(tx: Tx, row: Sighting, options: { keepReplaced: boolean } = { keepReplaced: true }): Promise<void> {
    const { id, projectId: _project, uid: _uid, ...changes } = row;
    if (options.keepReplaced) {
      await this.database.queryInTx(tx, `INSERT INTO sighting_version (${VERSION_COLUMNS}) SELECT ${VERSION_COLUMNS} FROM sighting WHERE id = ?`, [id]);
    }
    await tx.update(Sighting, { id }, changes as Parameters<Tx['update']>[2]);
  }
}
