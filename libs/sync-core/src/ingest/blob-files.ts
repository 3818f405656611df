import { createReadStream } from 'node:fs';
import { FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Only app-made UUIDs name files, so no name can lead out of the folder. */
const BLOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PART = '.part';

/** A blob's bytes being written to `<id>.part`; `finish` makes them durable under the blob's name. */
export interface BlobFileWriter {
  write(bytes: Buffer): Promise<void>;
  /** Flushes the bytes to the disk and renames the file into place (the name is durable too). */
  finish(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Blob bytes kept as files in BLOB_DIR rather than in the database (`blob.storage = 'file'`):
 * the database writes every byte twice (its log and its table), which held uploads to ~30-90 MB/s.
 * One file per blob, named by the blob's id under a folder of its first two characters. A file
 * becomes a blob only when the transaction that inserts its row commits; files with no row (an
 * upload that died, a blob deleted with its project) are swept once they are old enough.
 */
export class BlobFiles {
  constructor(readonly dir: string) {}

  pathOf(blobId: string): string {
    if (!BLOB_ID.test(blobId)) throw new Error(`not a blob id: "${blobId}"`);
    return join(this.dir, blobId.slice(0, 2), blobId);
  }

  /** Makes sure the folder is there and this process may write in it; the error says what the operating system said. */
  async check(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const probe = join(this.dir, `.write-check-${process.pid}`);
    const handle = await open(probe, 'w');
    await handle.close();
    await rm(probe, { force: true });
  }

  async create(blobId: string): Promise<BlobFileWriter> {
    const path = this.pathOf(blobId);
    const folder = join(this.dir, blobId.slice(0, 2));
    await mkdir(folder, { recursive: true });
    const handle: FileHandle = await open(path + PART, 'wx');
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    return {
      write: async (bytes) => {
        await handle.write(bytes);
      },
      finish: async () => {
        await handle.sync();
        await close();
        await rename(path + PART, path);
        await syncFolder(folder);
      },
      discard: async () => {
        await close().catch(() => undefined);
        await rm(path + PART, { force: true });
      },
    };
  }

  /** The file's bytes in pieces of `pieceBytes`; an error naming BLOB_DIR when the file is not there. */
  async *read(blobId: string, pieceBytes: number): AsyncGenerator<Buffer> {
    const path = this.pathOf(blobId);
    try {
      for await (const piece of createReadStream(path, { highWaterMark: pieceBytes })) yield piece as Buffer;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingFile(path);
      throw error;
    }
  }

  async readWhole(blobId: string): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for await (const piece of this.read(blobId, 1024 * 1024)) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  /**
   * The folder's blob files, a two-character folder at a time: each with its path, and the blob's
   * id when it is finished (null for a `.part` still being written). Anything else is not listed.
   */
  private async *blobFolders(): AsyncGenerator<{ folder: string; files: { path: string; id: string | null }[] }> {
    const folders = await readdir(this.dir).catch(() => [] as string[]);
    for (const folder of folders.filter((name) => /^[0-9a-f]{2}$/.test(name)).sort()) {
      const files: { path: string; id: string | null }[] = [];
      for (const name of (await readdir(join(this.dir, folder)).catch(() => [] as string[])).sort()) {
        const id = name.endsWith(PART) ? null : name;
        if (BLOB_ID.test(id ?? name.slice(0, -PART.length))) files.push({ path: join(this.dir, folder, name), id });
      }
      yield { folder, files };
    }
  }

  /** Every finished file (no `.part`), as its path and its name within the folder ("ab/ab12…"): what a backup copies. */
  async *finishedFiles(): AsyncGenerator<{ path: string; name: string }> {
    for await (const { folder, files } of this.blobFolders()) {
      for (const { path, id } of files) if (id !== null) yield { path, name: `${folder}/${id}` };
    }
  }

  async remove(blobId: string): Promise<void> {
    await rm(this.pathOf(blobId), { force: true });
  }

  /**
   * Removes files untouched for `olderThanMs` that no blob row names: parts of uploads that died,
   * and files of blobs deleted since. `stored` answers which of some ids still have a row.
   */
  async sweep(olderThanMs: number, stored: (ids: string[]) => Promise<Set<string>>): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for await (const { files } of this.blobFolders()) {
      const old: { path: string; id: string | null }[] = [];
      for (const file of files) {
        const info = await stat(file.path).catch(() => null);
        if (info && info.mtimeMs < cutoff) old.push(file);
      }
      const ids = old.flatMap((file) => (file.id ? [file.id] : []));
      const kept = ids.length > 0 ? await stored(ids) : new Set<string>();
      for (const file of old) {
        if (file.id !== null && kept.has(file.id)) continue;
        await rm(file.path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function missingFile(path: string): Error {
  return new Error(
    `the uploaded file ${path} is not in BLOB_DIR: every gateway, FTP and consolidator process must have the same folder as BLOB_DIR (a shared volume), and it must be restored with the database`,
  );
}
