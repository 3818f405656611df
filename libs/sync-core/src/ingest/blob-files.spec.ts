import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobFiles } from './blob-files.js';

describe('BlobFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-blob-files-'));
  const files = new BlobFiles(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function stored(bytes: Buffer): Promise<string> {
    const id = randomUUID();
    const writer = await files.create(id);
    await writer.write(bytes);
    await writer.finish();
    return id;
  }

  function age(path: string, hours: number): void {
    const then = new Date(Date.now() - hours * 3_600_000);
    utimesSync(path, then, then);
  }

  it('writes a file under its id, visible by that name only once finished', async () => {
    const id = randomUUID();
    const writer = await files.create(id);
    await writer.write(Buffer.from('half '));
    expect(existsSync(files.pathOf(id))).toBe(false);
    await writer.write(Buffer.from('and whole'));
    await writer.finish();
    expect(readFileSync(files.pathOf(id), 'utf8')).toBe('half and whole');
    expect(readdirSync(dirname(files.pathOf(id))).filter((name) => name.startsWith(id))).toEqual([id]);
    expect((await files.readWhole(id)).toString()).toBe('half and whole');
  });

  it('reads a file in pieces of the size asked for', async () => {
    const bytes = Buffer.alloc(1000, 7);
    const id = await stored(bytes);
    const pieces: Buffer[] = [];
    for await (const piece of files.read(id, 256)) pieces.push(piece);
    expect(pieces.map((piece) => piece.length)).toEqual([256, 256, 256, 232]);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
  });

  it('leaves nothing behind for a discarded write', async () => {
    const id = randomUUID();
    const writer = await files.create(id);
    await writer.write(Buffer.from('never kept'));
    await writer.discard();
    expect(readdirSync(dirname(files.pathOf(id))).filter((name) => name.startsWith(id))).toEqual([]);
  });

  it('names only blob ids, so no path leaves the folder', () => {
    for (const name of ['../etc/passwd', 'ab/../../x', '', `${randomUUID()}/..`]) expect(() => files.pathOf(name)).toThrow(/not a blob id/);
  });

  it('says which variable to set when a file is not in the folder', async () => {
    await expect(files.readWhole(randomUUID())).rejects.toThrow(/BLOB_DIR/);
  });

  it('sweeps old files no blob names and old parts, and keeps the rest', async () => {
    const kept = await stored(Buffer.from('a blob row names me'));
    const orphan = await stored(Buffer.from('my row was deleted'));
    const recent = await stored(Buffer.from('my row is being committed'));
    const deadPart = randomUUID();
    await files.create(deadPart);
    const stranger = join(dir, 'README.txt');
    writeFileSync(stranger, 'not ours to remove');
    for (const path of [files.pathOf(kept), files.pathOf(orphan), files.pathOf(deadPart) + '.part', stranger]) age(path, 2);
    const asked: string[] = [];
    const removed = await files.sweep(3_600_000, async (ids) => {
      asked.push(...ids);
      return new Set(ids.filter((id) => id === kept));
    });
    expect(removed).toBe(2);
    expect(existsSync(files.pathOf(kept))).toBe(true);
    expect(existsSync(files.pathOf(recent))).toBe(true);
    expect(existsSync(files.pathOf(orphan))).toBe(false);
    expect(existsSync(files.pathOf(deadPart) + '.part')).toBe(false);
    expect(existsSync(stranger)).toBe(true);
    expect(asked).not.toContain(recent);
  });
});
