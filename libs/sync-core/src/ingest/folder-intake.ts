import { createHash } from 'node:crypto';
import { createReadStream, ReadStream } from 'node:fs';
import { lstat, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BatchService } from '../batches/batch.service.js';
import { Batch, BatchStatus, Door } from '../db/entities/index.js';
import { storeTrouble } from '../db/store-trouble.js';
import { UploadTooLargeError } from '../errors.js';
import { IngestService } from './ingest.service.js';

export const PROCESSED_FOLDER = 'processed';
export const FAILED_FOLDER = 'failed';

export type IntakeOutcome =
  | { outcome: 'ingested' | 'already-ingested'; batchId: string; status: BatchStatus; movedTo: string }
  | { outcome: 'failed'; reason: string; movedTo: string | null; batchId?: string }
  | { outcome: 'retry-later'; reason: string };

/** Runs a received batch's merge now and says how it ended (`fieldsync import` does; a door leaves it to the queue). */
export type SettleNow = (batchId: string) => Promise<Pick<Batch, 'status' | 'error'>>;

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A free path in `dir` for `name`: the name itself, or the name with a time stamp before it. */
export async function freePath(dir: string, name: string): Promise<string> {
  try {
    await lstat(join(dir, name));
    return join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${name}`);
  } catch {
    return join(dir, name);
  }
}

/**
 * Takes files from a folder through IngestService the way every folder door does (the
 * file-share poller, `fieldsync import`): after the batch commits the file moves to processed/;
 * a file that is itself the problem, or whose batch is refused, moves to failed/ with a
 * .error.txt; a file taken again after a crash is recognised by name and content and only
 * moved. Nothing is deleted.
 */
export class FolderIntake {
  constructor(
    private readonly ingest: IngestService,
    private readonly batches: BatchService,
    private readonly door: Door,
    private readonly settleNow: SettleNow | null = null,
  ) {}

  async take(dir: string, path: string, projectId: string, deviceId: string | null): Promise<IntakeOutcome> {
    const name = basename(path);
    let body: ReadStream | null = null;
    try {
      const already = await this.batches.findSameFile(projectId, this.door, name, await sha256Of(path));
      let batch = already ?? (await this.ingest.accept({ projectId, deviceId, door: this.door, fileName: name, body: (body = createReadStream(path)) }));
      if (batch.status === 'received' && this.settleNow) batch = { ...batch, ...(await this.settleNow(batch.id)) };
      // A batch known to be refused (small files merge at upload) sends its file to failed/ at
      // once; one still queued is watched by the door and moved when its merge refuses it.
      if (batch.status === 'rejected' || batch.status === 'failed') {
        const reason = `batch ${batch.id} was ${batch.status}: ${batch.error ?? 'no reason given'}`;
        return { outcome: 'failed', reason, batchId: batch.id, movedTo: await this.fail(dir, path, reason) };
      }
      return { outcome: already ? 'already-ingested' : 'ingested', batchId: batch.id, status: batch.status, movedTo: await this.moveInto(dir, PROCESSED_FOLDER, path) };
    } catch (error) {
      // A stream the ingest gave up on before reading it to the end would hold the file open.
      body?.on('error', () => undefined).destroy();
      const reason = (error as Error).message;
      // The file itself is the problem (too large, unreadable): failed/. Anything else (the
      // database or its disk away: a refused connection carries a syscall too) is passing: the
      // file stays and is taken later.
      if (storeTrouble(error)) return { outcome: 'retry-later', reason };
      if (error instanceof UploadTooLargeError || typeof (error as NodeJS.ErrnoException).syscall === 'string') {
        return { outcome: 'failed', reason, movedTo: await this.fail(dir, path, reason) };
      }
      return { outcome: 'retry-later', reason };
    }
  }

  /** Moves a file to failed/ with its reason beside it; null if even that is impossible (it stays). */
  async fail(dir: string, path: string, reason: string): Promise<string | null> {
    try {
      const failedPath = await this.moveInto(dir, FAILED_FOLDER, path);
      await writeFile(`${failedPath}.error.txt`, `${reason}\n`);
      return failedPath;
    } catch {
      return null;
    }
  }

  private async moveInto(dir: string, subfolder: string, path: string): Promise<string> {
    await mkdir(join(dir, subfolder), { recursive: true });
    const target = await freePath(join(dir, subfolder), basename(path));
    await rename(path, target);
    return target;
  }
}
