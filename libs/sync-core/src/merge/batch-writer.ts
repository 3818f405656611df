import { createHash, randomUUID } from 'node:crypto';
import { Tx } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Attachment, BatchStatus, Rejection, Sighting } from '../db/entities/index.js';
import { BatchCounts, BatchFinish, BatchRepository, ClaimedBatch } from '../db/repositories/batch.repository.js';
import { ProjectFeedRepository } from '../db/repositories/project-feed.repository.js';
import { RejectionRepository } from '../db/repositories/rejection.repository.js';
import { SightingRepository, StoredVersion } from '../db/repositories/sighting.repository.js';
import { DecodedItem, DecodedRecord, FormatDecoder, SightingRecord, UnreadableFileError } from '../formats/format.js';
import { formatsRead } from '../formats/registry.js';
import { BlobStore } from '../ingest/blob-store.js';
import { sightingsMerged } from '../observability/metrics.js';
import { DecodedFile, eachInTurns, readAhead } from './decoded-file.js';
import { invalidReason, storableText } from './record-validation.js';
import { contentHash, dataHash, sightingUid } from './sighting-identity.js';

/** What writing a batch came to: as the batch row now says, and where the feed stands. */
export interface BatchOutcome {
  status: BatchStatus;
  format: string | null;
  counts: BatchCounts;
  error: string | null;
  /** When the batch row was finished. */
  finishedAt: string;
  lastSeq: number;
}

/** Records per step of a merge in slices: a step is what a slice cannot cut short. */
const SLICED_STEP_RECORDS = 100;

const emptyCounts = (): BatchCounts => ({ records: 0, new: 0, updated: 0, duplicate: 0, rejected: 0 });

const unrecognised = (file: DecodedFile): string => (file.emptyFile ? 'the file is empty' : `unrecognised file format: FieldSync reads ${formatsRead()}`);

const versionOf = (row: Sighting): StoredVersion => ({
  id: row.id,
  contentHash: row.contentHash,
  dataHash: row.dataHash,
  revision: row.revision,
  receivedAt: row.receivedAt,
  reviewState: row.reviewState,
  deviceHash: row.deviceHash,
});

/** An attachment a record carried, hashed: its bytes are stored with the step. */
interface HashedAttachment {
  sha256: string;
  bytes: Buffer;
  contentType: string;
  name: string;
}

/** A step's records, checked: what to merge, what was refused, and the attachments to store first. */
interface CheckedStep {
  candidates: { uid: string; hash: string; dataHash: string; item: DecodedRecord }[];
  rejections: Rejection[];
  attachments: HashedAttachment[];
}

/**
 * Validates and identifies a step's records, bad ones becoming rejections. It reads nothing from
 * the database, so a large file's next step is checked (checkedStepInTurns) while the database
 * writes this one.
 */
function checkedStep(batch: ClaimedBatch, items: DecodedItem[], counts: BatchCounts): CheckedStep {
  const step: CheckedStep = { rejections: [], candidates: [], attachments: [] };
  for (const item of items) checkInto(step, batch, item, counts);
  return step;
}

/** checkedStep for a large file's step, giving the event loop its turns as decoding does. */
async function checkedStepInTurns(batch: ClaimedBatch, items: DecodedItem[], counts: BatchCounts): Promise<CheckedStep> {
  const step: CheckedStep = { rejections: [], candidates: [], attachments: [] };
  await eachInTurns(items, (item) => checkInto(step, batch, item, counts));
  return step;
}

function checkInto(step: CheckedStep, batch: ClaimedBatch, item: DecodedItem, counts: BatchCounts): void {
  counts.records++;
  const reason = item.record ? invalidReason(item.record) : item.reason;
  if (reason !== null || !item.record) {
    step.rejections.push({ batchId: batch.id, recordIndex: item.index, reason: storableText(`record ${item.index}: ${reason}`) });
    return;
  }
  // The record names its attachments by sha256 before it is hashed: they are part of its content.
  step.attachments.push(...hashedAttachments(item.record));
  const hash = contentHash(item.record);
  step.candidates.push({ uid: sightingUid(item.record, hash), hash, dataHash: dataHash(item.record, hash), item: item as DecodedRecord });
}

function hashedAttachments(record: SightingRecord): HashedAttachment[] {
  const hashed = (record.attachmentFiles ?? []).map((file) => ({ sha256: createHash('sha256').update(file.bytes).digest('hex'), bytes: file.bytes, contentType: file.contentType, name: file.name }));
  for (const file of hashed) record.attachments.push({ name: file.name, contentType: file.contentType, size: file.bytes.length, sha256: file.sha256 });
  delete record.attachmentFiles;
  return hashed;
}

/** The distinct uids the steps carry: what to look up. */
const uidsOf = (steps: CheckedStep[]): string[] => [...new Set(steps.flatMap((step) => step.candidates.map((candidate) => candidate.uid)))];

/** How a batch ends: rejected when nothing of it could be read, consolidated otherwise (an unreadable rest is its error). */
function finishOf(batch: ClaimedBatch, decoder: FormatDecoder | null, counts: BatchCounts, error: string | null, lastSeq: number): BatchFinish & { lastSeq: number } {
  const status: BatchStatus = !decoder || (error !== null && counts.records === 0) ? 'rejected' : 'consolidated';
  return { batchId: batch.id, status, format: decoder?.name ?? null, counts, error: error === null ? null : storableText(error), lastSeq };
}

/** Where a step's rows go. */
interface StepSink {
  insertInTx(tx: Tx, rows: Sighting[]): Promise<void>;
  rejectInTx(tx: Tx, rows: Rejection[]): Promise<void>;
  replaceInTx(tx: Tx, row: Sighting, options: { keepReplaced: boolean }): Promise<void>;
}

/**
 * Step by step, as a large file streams: memory holds one step. A step's sightings are sent when
 * the next step has been looked up, and PostgreSQL copies them in while this process applies the
 * next step (the two took turns: bench/README.md). Statements on the transaction's connection
 * run in the order sent, so every later statement sees them.
 */
class DirectSink implements StepSink {
  private held: Sighting[] = [];
  private sent: Promise<void> = Promise.resolve();
  /** The versions the previous step left: its writes may still be on their way to the table. */
  private previous = new Map<string, StoredVersion>();

  constructor(
    private readonly sightings: SightingRepository,
    private readonly rejections: RejectionRepository,
  ) {}

  /**
   * The stored versions of the step's uids, as of every step before it. The previous step's
   * sightings are sent once the lookup has answered, so they are copied in while this step is applied.
   */
  async storedVersions(tx: Tx, projectId: string, step: CheckedStep): Promise<Map<string, StoredVersion>> {
    const uids = uidsOf([step]);
    const [stored] = await Promise.all([this.sightings.storedVersionsInTx(tx, projectId, uids), this.sent]);
    this.sendHeld(tx);
    for (const uid of uids) {
      const version = this.previous.get(uid);
      if (version) stored.set(uid, version);
    }
    this.previous = stored;
    return stored;
  }

  async insertInTx(_tx: Tx, rows: Sighting[]): Promise<void> {
    this.held.push(...rows);
  }

  rejectInTx(tx: Tx, rows: Rejection[]): Promise<void> {
    return this.rejections.insertInTx(tx, rows);
  }

  replaceInTx(tx: Tx, row: Sighting, options: { keepReplaced: boolean }): Promise<void> {
    return this.sightings.replaceVersionInTx(tx, row, options);
  }

  /** Sends what is held and waits until every step's sightings are in the table. */
  async flushInTx(tx: Tx): Promise<void> {
    this.sendHeld(tx);
    await this.sent;
  }

  private sendHeld(tx: Tx): void {
    if (this.held.length === 0) return;
    this.sent = Promise.all([this.sent, this.sightings.insertInTx(tx, this.held)]).then(() => undefined);
    this.held = [];
    // Awaited with the next lookup or the flush; a failure must not go unhandled before then.
    this.sent.catch(() => undefined);
  }
}

/** Gathered for one statement of each kind at the end (small files written together). */
class GatheringSink implements StepSink {
  private readonly inserts = new Map<string, Sighting>();
  private rejected: Rejection[] = [];

  constructor(
    private readonly sightings: SightingRepository,
    private readonly rejections: RejectionRepository,
  ) {}

  async insertInTx(_tx: Tx, rows: Sighting[]): Promise<void> {
    for (const row of rows) this.inserts.set(row.uid, row);
  }

  async rejectInTx(_tx: Tx, rows: Rejection[]): Promise<void> {
    this.rejected.push(...rows);
  }

  /** A version an earlier file of the group wrote must be in the table before it is replaced (and kept as a revision). */
  async replaceInTx(tx: Tx, row: Sighting, options: { keepReplaced: boolean }): Promise<void> {
    if (this.inserts.has(row.uid)) await this.flushInTx(tx);
    await this.sightings.replaceVersionInTx(tx, row, options);
  }

  async flushInTx(tx: Tx): Promise<void> {
    await this.sightings.insertInTx(tx, [...this.inserts.values()]);
    await this.rejections.insertInTx(tx, this.rejected);
    this.inserts.clear();
    this.rejected = [];
  }
}

/** When a merge in slices ends a slice and how it lets others write before the next (writeInSlices). */
export interface SliceTurns {
  /** A slice ends after this long even when nobody is waiting (each ends in a durable commit). */
  maxSliceMs: number;
  /** Whether anybody waits for the writer or for an acknowledgement: the slice ends after its current step. */
  othersWaiting(): boolean;
  /** Between two slices: resolves when the next may begin. */
  standAside(): Promise<void>;
}

/**
 * Writes one decoded batch into the project's sightings, inside the caller's transaction (which
 * holds the project's feed row): the merge rules live here. New uid: revision 1. Same content,
 * or a version from a batch that arrived later: a duplicate. Other content: the next revision,
 * or the same revision when only attachments were added. Every change takes the next seq.
 */
export class BatchWriter {
  constructor(
    private readonly batches: BatchRepository,
    private readonly sightings: SightingRepository,
    private readonly rejections: RejectionRepository,
    private readonly blobs: BlobStore,
    private readonly feeds: ProjectFeedRepository,
  ) {}

  async writeInTx(tx: Tx, batch: ClaimedBatch, lastSeq: number, file: DecodedFile): Promise<BatchOutcome> {
    const { decoder } = file;
    if (!decoder) return (await this.finishAllInTx(tx, [finishOf(batch, null, emptyCounts(), unrecognised(file), lastSeq)]))[0];
    const counts = emptyCounts();
    const feed = { lastSeq };
    const sink = new DirectSink(this.sightings, this.rejections);
    let fileError: string | null = null;
    try {
      const checked = (async function* () {
        for await (const items of file.steps) yield await checkedStepInTurns(batch, items, counts);
      })();
      for await (const step of readAhead(checked)) {
        await this.storeAttachmentsInTx(tx, batch.projectId, step.attachments);
        await this.applyStepInTx(tx, batch, step, await sink.storedVersions(tx, batch.projectId, step), counts, feed, sink);
      }
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      fileError = error.message;
    }
    // The records before an unreadable part are kept.
    await sink.flushInTx(tx);
    return (await this.finishAllInTx(tx, [finishOf(batch, decoder, counts, fileError, feed.lastSeq)]))[0];
  }

  /**
   * Writes a large file in slices, each a transaction of its own (`transaction`) that takes the
   * feed and gives it back after about `sliceMs`, so that on the embedded database, whose one
   * writer a single long merge held for most of a minute, uploads arriving meanwhile are
   * committed between slices. Each slice commits its sightings with the counts so far and how many
   * records that makes (`merged_records`); a merge stopped between slices goes on after them. The
   * rules are writeInTx's, step by step; what differs is only where a transaction ends.
   */
  async writeInSlices(transaction: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>, batch: ClaimedBatch, file: DecodedFile, turns: SliceTurns): Promise<BatchOutcome> {
    const { decoder } = file;
    if (!decoder) return transaction(async (tx) => this.finishSliceInTx(tx, batch, finishOf(batch, null, emptyCounts(), unrecognised(file), 0)));
    let counts: BatchCounts | null = null;
    let fileError: string | null = null;
    let skip = 0;
    const checked = (async function* () {
      for await (const all of file.steps) {
        // Records the committed slices of an earlier attempt hold are not merged again.
        const items = skip > 0 ? all.slice(Math.min(skip, all.length)) : all;
        skip -= all.length - items.length;
        // Short steps, so that a slice can end soon after its time is up.
        for (let start = 0; start < items.length; start += SLICED_STEP_RECORDS) {
          // Checked ahead of its slice: its records are counted when it is applied, so a slice's saved count never includes the step read ahead.
          yield await checkedStepInTurns(batch, items.slice(start, start + SLICED_STEP_RECORDS), emptyCounts());
        }
      }
    })();
    const steps = readAhead(checked)[Symbol.asyncIterator]();
    for (;;) {
      const outcome = await transaction(async (tx) => {
        const { lastSeq, batch: state } = await this.feeds.lockInTx(tx, batch.projectId, batch.id);
        // Finished by another worker between two slices (or before the first): nothing is merged twice.
        if (state.status === 'consolidated' || state.status === 'rejected')
          return { status: state.status, format: decoder.name, counts: counts ?? emptyCounts(), error: null, finishedAt: nowIso(), lastSeq };
        if (!counts) {
          const { merged, ...sofar } = await this.batches.progressInTx(tx, batch.id);
          counts = merged > 0 ? sofar : emptyCounts();
          skip = merged > 0 ? merged : 0;
        }
        const feed = { lastSeq };
        const sink = new DirectSink(this.sightings, this.rejections);
        const started = Date.now();
        let ended = false;
        try {
          do {
            const next = await steps.next();
            if (next.done) {
              ended = true;
              break;
            }
            counts.records += next.value.candidates.length + next.value.rejections.length;
            await this.storeAttachmentsInTx(tx, batch.projectId, next.value.attachments);
            await this.applyStepInTx(tx, batch, next.value, await sink.storedVersions(tx, batch.projectId, next.value), counts, feed, sink);
            // A turn of the event loop: an upload arriving now is read, and says it is waiting.
            await new Promise((resolve) => setImmediate(resolve));
          } while (!turns.othersWaiting() && Date.now() - started < turns.maxSliceMs);
        } catch (error) {
          if (!(error instanceof UnreadableFileError)) throw error;
          fileError = error.message;
          ended = true;
        }
        await sink.flushInTx(tx);
        await this.feeds.setLastSeqInTx(tx, batch.projectId, feed.lastSeq);
        if (ended) return this.finishSliceInTx(tx, batch, finishOf(batch, decoder, counts, fileError, feed.lastSeq));
        await this.batches.saveProgressInTx(tx, batch.id, counts);
        return null;
      });
      if (outcome) return outcome;
      await turns.standAside();
    }
  }

  private async finishSliceInTx(tx: Tx, batch: ClaimedBatch, finish: BatchFinish & { lastSeq: number }): Promise<BatchOutcome> {
    return (await this.finishAllInTx(tx, [finish]))[0]!;
  }

  /**
   * Writes several small files of one project, decoded in memory, in their order, with one
   * statement of each kind for all of them (a lookup, an insert of sightings, one of rejections,
   * an update of their batch rows): for small uploads, round trips to the database were the cost.
   * The outcome is the same as writing them one by one with writeInTx.
   */
  async writeManyInTx(tx: Tx, projectId: string, files: { batch: ClaimedBatch; file: DecodedFile }[], lastSeq: number): Promise<BatchOutcome[]> {
    const checked: { batch: ClaimedBatch; counts: BatchCounts; steps: CheckedStep[]; error: string | null; decoder: FormatDecoder | null }[] = [];
    for (const { batch, file } of files) {
      const entry = { batch, counts: emptyCounts(), steps: [] as CheckedStep[], error: file.decoder ? null : unrecognised(file), decoder: file.decoder };
      checked.push(entry);
      if (!file.decoder) continue;
      try {
        for await (const items of file.steps) {
          const step = checkedStep(batch, items, entry.counts);
          await this.storeAttachmentsInTx(tx, batch.projectId, step.attachments);
          entry.steps.push(step);
        }
      } catch (error) {
        if (!(error instanceof UnreadableFileError)) throw error;
        entry.error = error.message;
      }
    }
    const sink = new GatheringSink(this.sightings, this.rejections);
    const stored = await this.sightings.storedVersionsInTx(tx, projectId, uidsOf(checked.flatMap((entry) => entry.steps)));
    const feed = { lastSeq };
    const finished: (BatchFinish & { lastSeq: number })[] = [];
    for (const entry of checked) {
      for (const step of entry.steps) await this.applyStepInTx(tx, entry.batch, step, stored, entry.counts, feed, sink);
      finished.push(finishOf(entry.batch, entry.decoder, entry.counts, entry.error, feed.lastSeq));
    }
    await sink.flushInTx(tx);
    return this.finishAllInTx(tx, finished);
  }

  /** The merge rules for one step, against `stored` (kept up to date with what the step writes). */
  private async applyStepInTx(tx: Tx, batch: ClaimedBatch, step: CheckedStep, stored: Map<string, StoredVersion>, counts: BatchCounts, feed: { lastSeq: number }, sink: StepSink): Promise<void> {
    const inserts = new Map<string, Sighting>();
    // A uid changed twice in one step keeps the seq it took first: the feed has no hole.
    const seqThisStep = new Map<string, number>();
    const now = nowIso();
    for (const { uid, hash, dataHash, item } of step.candidates) {
      const current = inserts.get(uid) ?? stored.get(uid);
      // Same content, the device's own last version under a person's correction (a resend never
      // undoes a correction), or a version from a batch that arrived after this one (batches can
      // merge out of order).
      if (current && (current.contentHash === hash || current.deviceHash === hash || current.receivedAt > batch.receivedAt)) {
        counts.duplicate++;
        continue;
      }
      const { record } = item;
      // Attachments that arrive after their record (split submissions, files posted to an event)
      // complete the same revision: readers still see the change, under a new seq.
      const revision = !current ? 1 : current.dataHash === dataHash ? current.revision : current.revision + 1;
      // A new revision of a sighting someone reviewed (or corrected) wants another look.
      const reviewState = !current ? 'received' : revision === current.revision || current.reviewState === 'received' ? current.reviewState : 'edited';
      const row: Sighting = {
        id: current?.id ?? randomUUID(),
        projectId: batch.projectId,
        uid,
        deviceId: record.deviceId,
        kind: record.kind,
        observedAt: record.observedAt,
        latitude: record.latitude,
        longitude: record.longitude,
        altitude: record.altitude,
        accuracy: record.accuracy,
        data: record.data,
        attachments: record.attachments,
        deleted: record.deleted,
        contentHash: hash,
        dataHash,
        revision,
        seq: seqThisStep.get(uid) ?? ++feed.lastSeq,
        batchId: batch.id,
        receivedAt: batch.receivedAt,
        updatedAt: now,
        reviewState,
        changedBy: null,
        changeReason: null,
        deviceHash: null,
      };
      const changedBeforeInStep = seqThisStep.has(uid);
      seqThisStep.set(uid, row.seq);
      if (inserts.has(uid) || !current) {
        // New within this step (or changed again within it): insert once, with its latest content.
        if (!inserts.has(uid)) counts.new++;
        else counts.updated++;
        inserts.set(uid, row);
      } else {
        counts.updated++;
        // A version this same step wrote was never visible: it is replaced, not kept.
        await sink.replaceInTx(tx, row, { keepReplaced: !changedBeforeInStep });
        stored.set(uid, versionOf(row));
      }
    }
    await sink.insertInTx(tx, [...inserts.values()]);
    for (const row of inserts.values()) stored.set(row.uid, versionOf(row));
    await sink.rejectInTx(tx, step.rejections);
    counts.rejected += step.rejections.length;
  }

  /** Puts a step's photos and sounds in the blob store (once per content) where its project may read them. */
  private async storeAttachmentsInTx(tx: Tx, projectId: string, files: HashedAttachment[]): Promise<void> {
    for (const file of files) {
      const { blobId, sha256 } = await this.blobs.putWhole(tx, file.bytes, file.sha256);
      if (!(await tx.findOneBy(Attachment, { projectId, sha256 }))) {
        await tx.insert(Attachment, { projectId, sha256, blobId, contentType: file.contentType, name: file.name.slice(0, 255) });
      }
    }
  }

  /** Writes how the batches ended, in one statement, and counts their records. */
  private async finishAllInTx(tx: Tx, finished: (BatchFinish & { lastSeq: number })[]): Promise<BatchOutcome[]> {
    for (const { counts } of finished) for (const outcome of ['new', 'updated', 'duplicate', 'rejected'] as const) sightingsMerged.inc({ outcome }, counts[outcome]);
    const finishedAt = await this.batches.finishManyInTx(tx, finished);
    return finished.map(({ status, format, counts, error, lastSeq }) => ({ status, format, counts, error, finishedAt, lastSeq }));
  }
}
