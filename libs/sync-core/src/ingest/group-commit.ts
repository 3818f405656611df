import { Database, Tx } from '../db/database.js';
import { groupCommitSeconds, groupCommitUploads } from '../observability/metrics.js';

/**
 * How a group's members are written, each pass for all of them at once (one statement of each
 * kind per group: round trips were the cost of small uploads): `write` (rows that take no lock)
 * first, then `lockAndWrite` (e.g. a merge, which locks its project's feed row), so the locks
 * are held only for the second pass and the commit. Members come in key order.
 */
export interface GroupSteps<M, R> {
  write(tx: Tx, members: M[]): Promise<R[]>;
  lockAndWrite(tx: Tx, members: M[], written: R[]): Promise<R[]>;
}

interface Waiting<M, R> {
  member: M;
  /** Members of the same key run in arrival order; the group runs in key order (see below). */
  key: string;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/** At most this many pieces of work share one transaction. */
const MAX_GROUP = 64;
/**
 * Group transactions in flight at once: while one waits for its commit or for a project's lock,
 * the next group writes its rows. PostgreSQL gains from a second; a third only made the groups
 * smaller, so more statements per upload. SQLite runs one transaction at a time: a second writer
 * there only took each upload into a group of its own to wait (bench/README.md).
 */
const WRITERS = { postgres: 2, sqlite: 1 } as const;

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
export class GroupCommit<M, R> {
  private waiting: Waiting<M, R>[] = [];
  private writers = 0;

  constructor(
    private readonly database: Database,
    private readonly steps: GroupSteps<M, R>,
  ) {}

  run(key: string, member: M): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ key, member, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writers >= WRITERS[this.database.type]) return;
    this.writers++;
    try {
      // SQLite's driver runs a whole transaction without giving the event loop a turn, so no other
      // upload could join a group: one turn first lets the uploads already arriving catch up.
      if (this.database.type === 'sqlite') await new Promise((resolve) => setImmediate(resolve));
      while (this.waiting.length > 0) await this.commit(this.waiting.splice(0, MAX_GROUP));
    } finally {
      this.writers--;
    }
  }

  private async commit(group: Waiting<M, R>[]): Promise<void> {
    const ordered = [...group].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (ordered.length > 1) {
      let results: R[] | null = null;
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

  private async inOneTransaction(items: Waiting<M, R>[]): Promise<R[]> {
    const timer = groupCommitSeconds.startTimer();
    groupCommitUploads.observe(items.length);
    const members = items.map((item) => item.member);
    const values = await this.database.transaction(async (tx) => this.steps.lockAndWrite(tx, members, await this.steps.write(tx, members)));
    timer();
    return values;
  }
}
