import { Database, Tx } from '../db/database.js';
import { groupCommitSeconds, groupCommitUploads } from '../observability/metrics.js';

/**
 * One caller's part of a group transaction, in two passes: `write` (rows that take no lock) runs
 * for every member first, then `lockAndWrite` (e.g. a merge, which locks its project's feed row),
 * so the locks are held only for the second pass and the commit.
 */
export interface GroupWork<T, S> {
  write(tx: Tx, shared: S): Promise<T>;
  lockAndWrite?(tx: Tx, written: T, shared: S): Promise<T>;
}

/** What the members of one transaction share (e.g. the feed rows it holds), and how it ends. */
export interface GroupState<S> {
  start(): S;
  /** Runs last, before the commit. */
  finishInTx(tx: Tx, shared: S): Promise<void>;
}

interface Waiting<S> {
  work: GroupWork<unknown, S>;
  /** Work of the same key runs in arrival order; the group runs in key order (see below). */
  key: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** At most this many pieces of work share one transaction. */
const MAX_GROUP = 64;
/**
 * Group transactions in flight at once: while one waits for its commit or for a project's lock,
 * the next group writes its rows. PostgreSQL gains from it; SQLite runs one at a time anyway.
 */
const WRITERS = 3;

/**
 * Group commit: pieces of work that arrive while transactions are being written wait, then all run
 * in the next transaction, and each caller learns its result after that one commit. An upload
 * costs a share of one durable commit instead of one of its own (the commit's flush to disk was
 * the cost of small uploads: bench/README.md).
 *
 * A group runs in key order (stable, so arrival order within a key): the merges of small files
 * lock their projects' feed rows in that order, so two processes' groups never wait on each other
 * in a cycle. If the group's transaction fails, each piece runs again in a transaction of its own,
 * so one bad upload fails alone and the others are still committed.
 */
export class GroupCommit<S> {
  private waiting: Waiting<S>[] = [];
  private writers = 0;

  constructor(
    private readonly database: Database,
    private readonly state: GroupState<S>,
  ) {}

  run<T>(key: string, work: GroupWork<T, S>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ key, work: work as GroupWork<unknown, S>, resolve: resolve as (value: unknown) => void, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writers >= WRITERS) return;
    this.writers++;
    try {
      while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, MAX_GROUP));
    } finally {
      this.writers--;
    }
  }

  private async commit(group: Waiting<S>[]): Promise<void> {
    const ordered = [...group].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (ordered.length > 1) {
      let results: unknown[] | null = null;
      try {
        results = await this.inOneTransaction(ordered);
      } catch {
        // Which piece failed is found by running each alone below.
      }
      if (results) {
        ordered.forEach((item, index) => item.resolve(results![index]));
        return;
      }
    }
    for (const item of ordered) {
      try {
        item.resolve((await this.inOneTransaction([item]))[0]);
      } catch (error) {
        item.reject(error);
      }
    }
  }

  private async inOneTransaction(items: Waiting<S>[]): Promise<unknown[]> {
    const timer = groupCommitSeconds.startTimer();
    groupCommitUploads.observe(items.length);
    const values = await this.database.transaction(async (tx) => {
      const shared = this.state.start();
      const values: unknown[] = [];
      for (const item of items) values.push(await item.work.write(tx, shared));
      for (const [index, item] of items.entries()) if (item.work.lockAndWrite) values[index] = await item.work.lockAndWrite(tx, values[index], shared);
      await this.state.finishInTx(tx, shared);
      return values;
    });
    timer();
    return values;
  }
}
