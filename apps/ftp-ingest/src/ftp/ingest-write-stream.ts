import { PassThrough, Writable } from 'node:stream';
import { Batch, IncomingFile, IngestService } from '@fieldsync/sync-core';

/**
 * How long to wait, after the data connection ended, for the control connection to show that
 * the client is gone. FTP marks the end of a file only by closing the data connection, so a
 * client killed mid-transfer looks like a finished upload — except that its control connection
 * closes at the same moment. A live client keeps it open to read the 226.
 */
const CLIENT_GONE_GRACE_MS = 250;

/**
 * The stream ftp-srv writes a STOR into. It feeds IngestService as the bytes arrive, and it only
 * finishes (which is when ftp-srv sends 226) after the batch row is committed. Destroying it
 * (a broken transfer) makes the ingest fail, so nothing is kept.
 */
export class IngestWriteStream extends Writable {
  private readonly body = new PassThrough({ highWaterMark: 256 * 1024 });
  private readonly accepted: Promise<Batch>;

  constructor(ingest: IngestService, file: Omit<IncomingFile, 'body'>, private readonly clientGone: () => boolean) {
    super({ highWaterMark: 256 * 1024 });
    this.accepted = ingest.accept({ ...file, body: this.body });
    // A refusal while bytes are still arriving (too large) ends the transfer at once.
    this.accepted.catch((error: Error) => this.destroy(error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.body.write(chunk)) callback();
    else this.body.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    setTimeout(() => {
      if (this.clientGone()) {
        const error = new Error('the client disconnected before the transfer was confirmed; nothing was stored');
        this.body.destroy(error);
        callback(error);
        return;
      }
      this.body.end();
      this.accepted.then(() => callback(), (error: Error) => callback(error));
    }, CLIENT_GONE_GRACE_MS);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.body.destroyed) this.body.destroy(error ?? new Error('the transfer was aborted'));
    callback(error);
  }
}
