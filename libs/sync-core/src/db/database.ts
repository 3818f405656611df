import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { Logger } from '@nestjs/common';
import { DataSource, EntityManager, MigrationExecutor } from 'typeorm';
import { FieldSyncConfig } from '../config/config.js';
import { entitiesFor } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';
import { ForegroundWork } from './foreground-work.js';
import { Mutex } from './mutex.js';

/**
 * A unit of work's handle: the EntityManager of a transaction in progress. A data-access method
 * that takes one runs inside its caller's transaction (its name ends in `InTx`); one that does
 * not runs on its own.
 */
export type Tx = EntityManager;

/**
 * The most parameters one statement may bind on either database: SQLite's limit (32,766; PostgreSQL
 * allows 65,535). Multi-row inserts are cut to stay under it, whatever the number of columns.
 */
export const MAX_BOUND_PARAMETERS = 32_766;

/** From this many rows, copyRowsInTx uses COPY on PostgreSQL. */
const COPY_FROM_ROWS = 200;

// An arbitrary constant: every FieldSync process takes this advisory lock while migrating.
const MIGRATION_LOCK_KEY = 7_411_950_201;

/**
 * The process's one connection to the store, and the one way to run a unit of work on it.
 *
 * SQLite writes through a single connection per process, so concurrent TypeORM transactions
 * would nest as savepoints and see each other's uncommitted writes. Every unit of work on it is
 * therefore serialised through a mutex, and write transactions start with BEGIN IMMEDIATE so a
 * second process waits on the busy timeout instead of failing on a lock upgrade. Reads have a
 * read-only connection of their own (`reader`).
 */
export class Database {
  readonly type: 'sqlite' | 'postgres';
  private readonly sqliteLock = new Mutex();
  /** Uploads being acknowledged in this process, which background writes stand aside for. */
  readonly foreground = new ForegroundWork();

  /** SQLite: how many units of work wait for the one writer now (always 0 on PostgreSQL). */
  get writersWaiting(): number {
    return this.sqliteLock.waiting;
  }
  private readonly logger = new Logger('Database');
  /** Steps to run once a transaction commits, by its manager (afterCommit). */
  private readonly whenCommitted = new WeakMap<EntityManager, (() => Promise<void>)[]>();

  /**
   * SQLite: a second, read-only connection for `read`. In WAL mode it sees every committed
   * transaction while the first connection is inside one, so the console, downloads and the feed
   * are not held up for the length of a merge (a large file's holds the write connection for
   * seconds). PostgreSQL reads on its pool.
   */
  private reader: DataSource | null = null;

  private constructor(readonly dataSource: DataSource) {
    this.type = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  static async open(config: FieldSyncConfig['database']): Promise<Database> {
    const common = { entities: entitiesFor(config.type), migrations: MIGRATIONS, synchronize: false, logging: false } as const;
    let dataSource: DataSource;
    if (config.type === 'postgres') {
      // Every transaction is READ COMMITTED by the connection's default, set once at connect: TypeORM
      // would otherwise send SET TRANSACTION with each one, a round trip per upload.
      dataSource = new DataSource({
        ...common,
        type: 'postgres',
        url: config.url,
        extra: { max: 10, application_name: 'fieldsync', options: '-c default_transaction_isolation=read\\ committed' },
      });
    } else {
      mkdirSync(dirname(config.path), { recursive: true });
      dataSource = new DataSource({
        ...common,
        type: 'better-sqlite3',
        database: config.path,
        enableWAL: true,
        timeout: 30_000,
        // FULL: in WAL mode each commit is flushed to disk before it returns, so an acknowledged
        // upload survives a power cut (NORMAL only survives a crash of the process).
        prepareDatabase: (db: { pragma(source: string): unknown }) => {
          db.pragma('synchronous = FULL');
        },
      });
    }
    await dataSource.initialize();
    const database = new Database(dataSource);
    await database.migrate();
    if (config.type === 'sqlite') {
      database.reader = new DataSource({ type: 'better-sqlite3', entities: common.entities, database: config.path, readonly: true, timeout: 30_000, synchronize: false, logging: false });
      await database.reader.initialize();
    }
    return database;
  }

  private async migrate(): Promise<void> {
    if (this.type === 'sqlite') {
      await this.sqliteLock.run(() => this.migrateSqlite());
      return;
    }
    // Several processes start at once in production; one migrates, the others wait for it.
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await this.dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Several processes may start on one SQLite file (roles split on one machine). Reading which
   * migrations ran and running the rest happen inside one IMMEDIATE transaction, which takes the
   * file's write lock first: the second process waits (busy timeout), then finds nothing to do.
   * TypeORM's own transaction would read the list before locking, and both would migrate (seen:
   * "duplicate column name" in a start of three processes).
   */
  private async migrateSqlite(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.query('BEGIN IMMEDIATE');
      try {
        const executor = new MigrationExecutor(this.dataSource, runner);
        executor.transaction = 'none';
        await executor.executePendingMigrations();
        await runner.query('COMMIT');
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws.
   * `asynchronousCommit` answers before the commit is flushed to disk (PostgreSQL's asynchronous
   * commit), for writes nobody is told about yet: the flush of a later, ordinary commit writes
   * them to disk too, since the log is written in order.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>, options: { asynchronousCommit?: boolean } = {}): Promise<T> {
    const seen: { manager?: EntityManager } = {};
    const result = await this.committed((tx) => work((seen.manager = tx)), options);
    const then = seen.manager && this.whenCommitted.get(seen.manager);
    if (then) {
      this.whenCommitted.delete(seen.manager!);
      // Committed: nothing after this may fail the caller, who would take the work for undone.
      for (const step of then) await step().catch((error: Error) => this.logger.warn({ message: 'a step after a commit failed', error: error.message }));
    }
    return result;
  }

  /**
   * Runs `step` once the transaction of `tx` has committed, never when it rolls back: e.g. removing
   * a file that only a retry of the rolled-back work could still need. Best effort: a step that
   * fails is logged, and what it left is for the periodic sweeps.
   */
  afterCommit(tx: Tx, step: () => Promise<void>): void {
    this.whenCommitted.set(tx, [...(this.whenCommitted.get(tx) ?? []), step]);
  }

  private async committed<T>(work: (manager: EntityManager) => Promise<T>, options: { asynchronousCommit?: boolean }): Promise<T> {
    if (this.type === 'postgres') {
      if (!options.asynchronousCommit) return this.dataSource.transaction(work);
      return this.dataSource.transaction(async (manager) => {
        await manager.query('SET LOCAL synchronous_commit = off');
        return work(manager);
      });
    }
    return this.sqliteLock.run(async () => {
      const runner = this.dataSource.createQueryRunner();
      // The same promise as PostgreSQL's asynchronous commit: the WAL is written in order, so the
      // next ordinary commit's flush takes these pages to disk too.
      if (options.asynchronousCommit) await runner.query('PRAGMA synchronous = NORMAL');
      try {
        // Inside the try: a BEGIN that times out on the lock must still restore FULL below.
        await runner.query('BEGIN IMMEDIATE');
        const result = await work(runner.manager);
        await runner.query('COMMIT');
        return result;
      } catch (error) {
        await runner.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        if (options.asynchronousCommit) await runner.query('PRAGMA synchronous = FULL');
        await runner.release();
      }
    });
  }

  /**
   * Where a transaction may read data committed before it began while it keeps its own connection
   * busy: another pooled connection on PostgreSQL (so reading overlaps the transaction's writes),
   * the transaction itself on SQLite's one connection.
   */
  readerBeside(tx: Tx): Tx {
    return this.type === 'postgres' ? this.dataSource.manager : tx;
  }

  /**
   * Runs one write statement made with TypeORM (an insert) in a transaction of its own
   * (autocommit): one round trip where `transaction` takes three (begin, write, commit).
   */
  async writeAlone<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.outsideTransactions(work);
  }

  /** Runs read-only `work` that must see only committed data. */
  async read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // better-sqlite3 runs each statement to its end at once, and reads open no transaction: the
    // reader needs no lock of its own.
    return this.reader ? work(this.reader.manager) : this.outsideTransactions(work);
  }

  /** On the pool (PostgreSQL), or on SQLite's one connection between transactions. */
  private outsideTransactions<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.type === 'postgres') return work(this.dataSource.manager);
    return this.sqliteLock.run(() => work(this.dataSource.manager));
  }

  /**
   * Inserts many rows with one plain multi-row INSERT. TypeORM's insert builder spends more
   * time escaping thousands of parameters than the database spends storing the rows (seen in a
   * CPU profile of the bulk-ingest benchmark), so the hot path of the merge uses this instead.
   */
  async insertRowsInTx(tx: Tx, table: string, columns: string[], rows: unknown[][]): Promise<void> {
    const perStatement = Math.floor(MAX_BOUND_PARAMETERS / columns.length);
    for (let start = 0; start < rows.length; start += perStatement) {
      const part = rows.slice(start, start + perStatement);
      const values = part.map((row) => `(${row.map(() => '?').join(', ')})`);
      await this.queryInTx(tx, `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, part.flat());
    }
  }

  /**
   * Inserts many rows inside the caller's transaction: PostgreSQL's COPY FROM STDIN (no parameters
   * to bind), or the multi-row INSERT on SQLite and for a few rows.
   */
  async copyRowsInTx(tx: Tx, table: string, columns: string[], rows: unknown[][]): Promise<void> {
    if (rows.length === 0) return;
    // A few rows go faster as one INSERT: COPY costs more messages than it saves for them.
    if (this.type !== 'postgres' || rows.length < COPY_FROM_ROWS) return this.insertRowsInTx(tx, table, columns, rows);
    if (!tx.queryRunner) throw new Error('copyRowsInTx needs a transaction');
    const client = (await tx.queryRunner.connect()) as PoolClient;
    const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
    for (const piece of copyTextPieces(rows)) stream.write(piece);
    stream.end();
    await finished(stream);
  }

  /** One statement in a transaction of its own (autocommit), e.g. an UPDATE … RETURNING. */
  async queryAlone<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.type === 'postgres') return this.queryInTx<T>(this.dataSource.manager, sql, params);
    return this.sqliteLock.run(() => this.queryInTx<T>(this.dataSource.manager, sql, params));
  }

  /**
   * One plain SQL statement with `?` placeholders inside the caller's transaction (or read, with
   * `database.read`'s manager), for hot paths where TypeORM's query building cost more CPU than the
   * queries (CPU profile of the consolidator).
   */
  async queryInTx<T = Record<string, unknown>>(manager: Tx, sql: string, params: unknown[] = []): Promise<T[]> {
    let n = 0;
    const text = this.type === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
    // better-sqlite3 binds no booleans; PostgreSQL wants real ones.
    const values = this.type === 'sqlite' ? params.map((value) => (typeof value === 'boolean' ? Number(value) : value)) : params;
    // The structured result has the rows in `records` for every statement (an UPDATE … RETURNING
    // included), where the plain one wraps UPDATE rows with a count on PostgreSQL.
    const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
    try {
      return ((await runner.query(text, values, true)).records ?? []) as T[];
    } finally {
      if (!manager.queryRunner) await runner.release();
    }
  }

  /**
   * PostgreSQL's `COPY … TO STDOUT` as a stream, on a connection of its own until the stream
   * closes. A stream closed before its end leaves the connection mid-COPY, so that connection is
   * dropped rather than handed back to the pool.
   */
  async copyOut(sql: string): Promise<Readable & { rowCount: number }> {
    if (this.type !== 'postgres') throw new Error('COPY is PostgreSQL only');
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    const stream = client.query(copyTo(sql));
    let ended = false;
    let released = false;
    const release = (broken: boolean) => {
      if (released) return;
      released = true;
      client.release(broken);
    };
    stream.once('end', () => (ended = true));
    // The stream reports a failed statement with an 'error' event alone, without closing.
    stream.once('error', () => release(true));
    stream.once('close', () => release(!ended));
    return stream;
  }

  async ping(): Promise<void> {
    await this.read((manager) => manager.query('SELECT 1'));
  }

  /**
   * A consistent copy of the embedded database while it runs: SQLite's online backup, which
   * copies page by page and lets writers go on between steps.
   */
  async backupTo(path: string): Promise<void> {
    if (this.type !== 'sqlite') throw new Error('only the embedded database is backed up by FieldSync; PostgreSQL has pg_dump');
    const connection = (this.dataSource.driver as unknown as { databaseConnection: { backup(path: string): Promise<unknown> } }).databaseConnection;
    await connection.backup(path);
  }

  async close(): Promise<void> {
    if (this.reader?.isInitialized) await this.reader.destroy();
    if (this.dataSource.isInitialized) await this.sqliteLock.run(() => this.dataSource.destroy());
  }
}

/** A value in COPY's text format: \N for null, and backslash, tab, newline and return escaped. */
function copyTextValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  const text = String(value);
  return NEEDS_COPY_ESCAPE.test(text) ? text.replace(COPY_ESCAPED, (character) => COPY_ESCAPES[character]) : text;
}

const NEEDS_COPY_ESCAPE = /[\\\t\n\r]/;
const COPY_ESCAPED = /[\\\t\n\r]/g;

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyTextLine(row: unknown[]): string {
  let line = copyTextValue(row[0]);
  for (let index = 1; index < row.length; index++) line += `\t${copyTextValue(row[index])}`;
  return `${line}\n`;
}

const COPY_PIECE_BYTES = 256 * 1024;

/**
 * The rows as COPY text, encoded line by line into pieces of about COPY_PIECE_BYTES: joining a
 * step's lines into one string and encoding that cost twice as much (flattening and encoding ~1 MB
 * at once: 3.5 against 1.9 µs a row of `sighting`).
 */
function* copyTextPieces(rows: unknown[][]): Generator<Buffer> {
  let piece = Buffer.allocUnsafe(COPY_PIECE_BYTES);
  let used = 0;
  for (const row of rows) {
    const line = copyTextLine(row);
    // UTF-8 takes at most 3 bytes for each UTF-16 unit.
    const most = line.length * 3;
    if (used + most > piece.length) {
      if (used > 0) yield piece.subarray(0, used);
      piece = Buffer.allocUnsafe(Math.max(COPY_PIECE_BYTES, most));
      used = 0;
    }
    used += piece.write(line, used);
  }
  if (used > 0) yield piece.subarray(0, used);
}
