import { basename } from 'node:path';

/** Where `fieldsync upload` sends files: the gateway, an FTP site, or a folder. */
export interface UploadTarget {
  readonly description: string;
  /**
   * Sends one file; resolves only when the other side has it (HTTP 202, FTP 226, renamed into
   * place), with a warning when part of it was rejected; fails with EXIT.rejected when the server
   * took none of it.
   */
  send(path: string, name?: string): Promise<SendOutcome | void>;
  /** Checks reachability, login and write permission, failing with the step that failed. */
  test(): Promise<string[]>;
  close(): Promise<void>;
}

export function remoteName(path: string, name?: string): string {
  return name ?? basename(path);
}

/** What a sent file's answer adds: a warning for a file whose records were partly rejected. */
export interface SendOutcome {
  warning?: string;
}
