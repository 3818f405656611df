import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPostgresDatabase } from '../../../../test/support/postgres-database.js';
import { Database } from './database.js';

describe.each(['sqlite', 'postgres'] as const)('Database on %s', (kind) => {
  const folder = mkdtempSync(join(tmpdir(), 'fieldsync-database-'));
  let postgres: TestPostgresDatabase | null = null;
  let database: Database;

  beforeAll(async () => {
    if (kind === 'postgres') postgres = await TestPostgresDatabase.create();
    database = await Database.open(postgres ? { type: 'postgres', url: postgres.url } : { type: 'sqlite', path: join(folder, 'fieldsync.sqlite') });
  });

  afterAll(async () => {
    await database.close();
    await postgres?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const insertProject = (tx: Parameters<Database['afterCommit']>[0], slug: string) =>
    database.queryInTx(tx, 'INSERT INTO project (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [`00000000-0000-4000-8000-${slug.padStart(12, '0')}`, slug, slug, new Date().toISOString()]);
  /** What a reader sees committed. */
  const projectCount = () => database.read(async (reader) => Number((await database.queryInTx<{ n: number | string }>(reader, 'SELECT COUNT(*) AS n FROM project'))[0]!.n));

  it('answers a read while a transaction is open (a large merge holds one for seconds), with what was committed', async () => {
    const before = await projectCount();
    let opened!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (opened = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const writing = database.transaction(async (tx) => {
      await insertProject(tx, '9');
      opened();
      await held;
    });
    await inside;
    // On SQLite's one connection this read would wait for the commit, which waits for the read.
    expect(await projectCount()).toBe(before);
    release();
    await writing;
    expect(await projectCount()).toBe(before + 1);
  });

  it('runs a step once the transaction has committed, seeing what it wrote', async () => {
    const before = await projectCount();
    const seen: number[] = [];
    await database.transaction(async (tx) => {
      await insertProject(tx, '1');
      database.afterCommit(tx, async () => void seen.push(await projectCount()));
      // Not yet: the step waits for the commit.
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([before + 1]);
  });

  it('never runs the step of a transaction that rolled back', async () => {
    const before = await projectCount();
    let ran = false;
    await expect(
      database.transaction(async (tx) => {
        await insertProject(tx, '2');
        database.afterCommit(tx, async () => void (ran = true));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(ran).toBe(false);
    expect(await projectCount()).toBe(before);
  });

  it('answers a committed transaction as done when its step fails, and runs the steps after it', async () => {
    const before = await projectCount();
    let later = false;
    const result = await database.transaction(async (tx) => {
      await insertProject(tx, '3');
      database.afterCommit(tx, () => Promise.reject(new Error('file already gone')));
      database.afterCommit(tx, async () => void (later = true));
      return 'done';
    });
    expect(result).toBe('done');
    expect(later).toBe(true);
    expect(await projectCount()).toBe(before + 1);
  });

  it('copies rows holding any text: every UTF-8 width, what COPY escapes, nulls, a row larger than a piece', async () => {
    const sample = ['plain', 'é', '象', '🦒', '\\', '\t', '\n', '\r', '\\N', 'N'];
    const rows: [number, string | null][] = [];
    // Lines of every length, so the encoded pieces end at every kind of character.
    for (let id = 1; id <= 1500; id++) rows.push([id, id % 97 === 0 ? null : Array.from({ length: id % 400 }, (_, k) => sample[(id + k) % sample.length]).join('')]);
    rows.push([1501, '🦒象é'.repeat(150_000)]);
    await database.transaction(async (tx) => {
      await database.queryInTx(tx, 'CREATE TABLE copy_check (id integer PRIMARY KEY, note text)');
      await database.copyRowsInTx(tx, 'copy_check', ['id', 'note'], rows);
    });
    const stored = await database.read((reader) => database.queryInTx<{ id: number; note: string | null }>(reader, 'SELECT id, note FROM copy_check ORDER BY id'));
    expect(stored.map((row) => [Number(row.id), row.note])).toEqual(rows);
  });

  it.runIf(kind === 'sqlite')('flushes every commit to disk (synchronous FULL), an asynchronous commit only for its own', async () => {
    const level = (tx: Parameters<Database['afterCommit']>[0]) => database.queryInTx<{ synchronous: number }>(tx, 'PRAGMA synchronous').then(([row]) => row!.synchronous);
    // 2: FULL, 1: NORMAL.
    expect(await database.transaction(level)).toBe(2);
    expect(await database.transaction(level, { asynchronousCommit: true })).toBe(1);
    expect(await database.transaction(level)).toBe(2);
  });
});
