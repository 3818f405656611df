import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entriesOf } from '../feed/zip-entries.spec-helper.js';
import { BlobFiles } from '../ingest/blob-files.js';
import { backupZip } from './backup-zip.js';

describe('the backup zip with BLOB_DIR', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-backup-zip-'));
  const copy = join(dir, 'copy.sqlite');
  writeFileSync(copy, 'the database copy');
  const files = new BlobFiles(join(dir, 'blobs'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function stored(text: string, finish = true): Promise<string> {
    const id = randomUUID();
    const writer = await files.create(id);
    await writer.write(Buffer.from(text));
    if (finish) await writer.finish();
    return id;
  }

  it('holds the database copy and every finished file under blobs/, and no part of a file still arriving', async () => {
    const [one, two] = [await stored('first file'), await stored('second file')];
    await stored('still arriving', false);
    writeFileSync(join(dir, 'blobs', 'notes.txt'), 'not a blob');
    expect(await entriesOf(backupZip(copy, files))).toEqual({
      'fieldsync.sqlite': 'the database copy',
      [`blobs/${one.slice(0, 2)}/${one}`]: 'first file',
      [`blobs/${two.slice(0, 2)}/${two}`]: 'second file',
    });
  });

  it('leaves out a file removed after it was listed (its project deleted meanwhile)', async () => {
    const gone = Object.assign(Object.create(BlobFiles.prototype) as BlobFiles, {
      async *finishedFiles() {
        yield { path: join(dir, 'blobs', 'ab', randomUUID()), name: 'ab/gone' };
      },
    });
    expect(await entriesOf(backupZip(copy, gone))).toEqual({ 'fieldsync.sqlite': 'the database copy' });
  });
});
