import { setImmediate as nextTurn } from 'node:timers/promises';
import { MAX_BOUND_PARAMETERS, Tx } from '../db/database.js';
import { DecodedItem, FormatDecoder, UnreadableFileError } from '../formats/format.js';
import { detectFormat } from '../formats/registry.js';
import { BlobStore } from '../ingest/blob-store.js';
import { ClaimedBatch } from '../db/repositories/batch.repository.js';

/**
 * Records merged per step: each step costs one lookup and one insert statement, so larger steps
 * cost less per record (2,000 against 500: see bench/README.md), while memory holds one step. The
 * lookup binds one parameter per uid on SQLite, so a step stays under its parameter limit.
 */
export const RECORDS_PER_STEP = Math.min(2000, MAX_BOUND_PARAMETERS - 1);
/** No file may hold more records than this; a larger export is split by the sender. */
const MAX_RECORDS_PER_BATCH = 5_000_000;

/** A batch's file, decoded: its format (null when unrecognised) and its items in steps. */
export interface DecodedFile {
  decoder: FormatDecoder | null;
  emptyFile: boolean;
  /** Throws UnreadableFileError where the file stops being readable, after the items before it. */
  steps: AsyncIterable<DecodedItem[]>;
}

/**
 * Records handled between two turns of the event loop while a large file is merged. Node writes a
 * COPY to PostgreSQL's socket only as the kernel takes it, on the event loop's turns: decoding a
 * piece of the file in one go held the previous step's COPY back, so the database and the decoder
 * took turns instead of working at once (bench/README.md). 64 records are about 2 ms of work.
 */
const RECORDS_PER_TURN = 64;

/**
 * Groups decoded items into steps of RECORDS_PER_STEP, refusing files with too many records;
 * with `turnEvery`, lets the event loop turn after that many items (a large file: see RECORDS_PER_TURN).
 */
async function* inSteps(items: AsyncIterable<DecodedItem>, turnEvery = 0): AsyncGenerator<DecodedItem[]> {
  let step: DecodedItem[] = [];
  let total = 0;
  for await (const item of items) {
    if (++total > MAX_RECORDS_PER_BATCH) {
      yield step;
      throw new UnreadableFileError(`the file holds more than ${MAX_RECORDS_PER_BATCH} records; the rest was not read: split the export`);
    }
    step.push(item);
    if (step.length === RECORDS_PER_STEP) {
      yield step;
      step = [];
    }
    if (turnEvery > 0 && total % turnEvery === 0) await nextTurn();
  }
  yield step;
}

async function* emptySteps(): AsyncGenerator<DecodedItem[]> {}

/** Decodes a small file completely, keeping where it became unreadable to replay it inside the merge. */
export async function decodedInMemory(bytes: Buffer, fileName: string | null): Promise<DecodedFile> {
  const decoder = detectFormat(bytes, fileName);
  if (!decoder) return { decoder, emptyFile: bytes.length === 0, steps: emptySteps() };
  const steps: DecodedItem[][] = [];
  let unreadable: UnreadableFileError | null = null;
  try {
    for await (const step of inSteps(
      decoder.decode(
        (async function* () {
          yield bytes;
        })(),
      ),
    ))
      steps.push(step);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    unreadable = error;
  }
  return {
    decoder,
    emptyFile: bytes.length === 0,
    steps: (async function* () {
      yield* steps;
      if (unreadable) throw unreadable;
    })(),
  };
}

/**
 * A larger file, decoded as its chunks are read during the merge: memory holds one step at a time.
 * `reader` reads the committed blob (Database.readerBeside the merge's transaction); null reads each
 * chunk on its own (a merge in slices outlives any one transaction).
 */
export async function decodedWhileRead(reader: Tx | null, blobs: BlobStore, batch: ClaimedBatch): Promise<DecodedFile> {
  const read = () => (reader ? blobs.read(reader, batch.blobId) : blobs.stream(batch.blobId));
  const first = read();
  const head = (await first.next()).value ?? Buffer.alloc(0);
  // A blob kept in a file is read through an open file: closed here, not when collected.
  await first.return(undefined);
  const decoder = detectFormat(head, batch.fileName);
  return { decoder, emptyFile: head.length === 0, steps: decoder ? inSteps(decoder.decode(read()), RECORDS_PER_TURN) : emptySteps() };
}

/**
 * Calls `each` for every item, letting the event loop turn every RECORDS_PER_TURN of them. A loop
 * over the array rather than an async generator: a promise per record cost more than the turns.
 */
export async function eachInTurns<T>(items: T[], each: (item: T) => void): Promise<void> {
  for (let index = 0; index < items.length; index++) {
    each(items[index]);
    if ((index + 1) % RECORDS_PER_TURN === 0) await nextTurn();
  }
}

/**
 * The steps with the next one already being read and decoded while the caller writes the current
 * one: decoding runs in this process while the database works on the writes, on the other core.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // Awaited on the next round; a caller that stops early must not leave it unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    void next.then(
      () => iterator.return?.(),
      () => undefined,
    );
  }
}
