import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, EXIT } from '../output.js';
import { FolderTarget } from './folder-target.js';
import { FtpTarget } from './ftp-target.js';
import { HttpTarget } from './http-target.js';

/** Where `fieldsync upload` sends files: the gateway, an FTP site, or a folder. */
export interface UploadTarget {
  readonly description: string;
  /** Sends one file; resolves only when the other side has it (HTTP 202, FTP 226, renamed into place). */
  send(path: string, name?: string): Promise<void>;
  /** Checks reachability, login and write permission, failing with the step that failed. */
  test(): Promise<string[]>;
  close(): Promise<void>;
}

export function uploadTarget(url: string, device: string | undefined): UploadTarget {
  if (/^https?:\/\//i.test(url)) {
    const credentials = device ?? process.env.FIELDSYNC_DEVICE;
    if (!credentials?.includes(':')) throw new CliError('uploading to a gateway needs the device login and secret: --device LOGIN:SECRET (or FIELDSYNC_DEVICE)', EXIT.usage);
    const colon = credentials.indexOf(':');
    return new HttpTarget(url, credentials.slice(0, colon), credentials.slice(colon + 1));
  }
  if (/^ftps?:\/\//i.test(url)) return new FtpTarget(new URL(url));
  if (/^file:\/\//i.test(url)) return new FolderTarget(fileURLToPath(url));
  if (/^[a-z]+:\/\//i.test(url)) throw new CliError(`unsupported address "${url}"; use http(s)://, ftp(s):// or a folder`, EXIT.usage);
  return new FolderTarget(url);
}

export function remoteName(path: string, name?: string): string {
  return name ?? basename(path);
}
