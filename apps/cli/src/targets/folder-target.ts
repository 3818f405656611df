import { constants } from 'node:fs';
import { access, copyFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, EXIT } from '../output.js';
import { remoteName, UploadTarget } from './upload-target.js';

/** A shared folder (watched by FieldSync's file-share poller): copy under a temporary name, then rename into place. */
export class FolderTarget implements UploadTarget {
  readonly description: string;

  constructor(private readonly folder: string) {
    this.description = folder;
  }

  async send(path: string, name?: string): Promise<void> {
    const final = join(this.folder, remoteName(path, name));
    const partial = join(this.folder, `.${remoteName(path, name)}.part`);
    try {
      await copyFile(path, partial);
      await rename(partial, final);
    } catch (error) {
      await unlink(partial).catch(() => undefined);
      throw new CliError(`cannot write to ${this.folder}: ${(error as Error).message}`, EXIT.incomplete);
    }
  }

  async test(): Promise<string[]> {
    const folder = await stat(this.folder).catch(() => null);
    if (!folder?.isDirectory()) throw new CliError(`folder missing: ${this.folder}`, EXIT.unreachable);
    try {
      await access(this.folder, constants.W_OK);
    } catch {
      throw new CliError(`no write permission on ${this.folder}`, EXIT.refused);
    }
    return [`reachable: ${this.folder}`, 'login: not needed for a folder', 'write permission: yes'];
  }

  async close(): Promise<void> {}
}
