import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { BlobFiles } from '../ingest/blob-files.js';
import { patchYazlCrc32 } from '../feed/yazl-crc32.patch.js';

/**
 * A whole backup when uploads are kept in BLOB_DIR: the database copy as `fieldsync.sqlite`, then
 * every file of the folder under `blobs/`, as they are. The files are listed after the copy was
 * taken, and a file is written before its row, so the zip holds every file the copy names. One
 * file is open at a time, added once the zip has read the one before: memory and open files stay
 * flat however many files the folder holds. A file removed since it was listed (its project was
 * deleted) is left out.
 */
export function backupZip(databaseCopy: string, files: BlobFiles): Readable {
  patchYazlCrc32();
  const zip = new ZipFile();
  const output = zip.outputStream as unknown as Readable;
  let reading: Readable | null = null;
  // A client gone mid-backup: the file being read is closed, and the loop ends with it.
  output.once('close', () => reading?.destroy());
  zip.addFile(databaseCopy, 'fieldsync.sqlite');
  void (async () => {
    for await (const file of files.finishedFiles()) {
      if (output.destroyed) return;
      const handle = await open(file.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (!handle) continue;
      reading = handle.createReadStream();
      zip.addReadStream(reading, `blobs/${file.name}`, { compress: false });
      await finished(reading);
    }
    zip.end();
  })().catch((error: Error) => output.destroy(error));
  return output;
}
