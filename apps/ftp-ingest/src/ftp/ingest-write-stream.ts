import { PassThrough, Writable } from 'node:stream';
import { Batch, IncomingFile, IngestService, storeTrouble, storeTroubleMessage, UploadTooLargeError } from '@fieldsync/sync-core';

/**
 * How long to wait, after the data connection ended, for the control connection to show that
 * the client is gone. FTP marks the end of a file only by closing the data connection, so a
 * client killed mid-transfer looks like a finished upload — except that its control connection
 * closes at the same moment. A live client keeps it open to read the 226.
 */
const CLIENT_GONE_GRACE_MS = 250;
/**
 * After a refusal, this much more of the file is read and dropped before the data connection is
 * cut: cutting it while the client still sends makes the kernel reset the connection, and the
 * client would see "connection reset" instead of the reply that says what to do.
 */
const DRAIN_BYTES = 16 * 1024 * 1024;

/** What a transfer needs of its session's control connection. */
export interface ControlConnection {
  /** The client closed it: a data connection that ended now was cut, not finished. */
  gone(): boolean;
  /** Data is flowing: the control connection, silent during a transfer, is not idle. */
  busy(): void;
}

/** An error that carries the FTP reply code ftp-srv should send for it (see ftp-srv-stor.patch.ts). */
export class FtpReplyError extends Error {
  constructor(
    readonly ftpCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** 552 for too large, 452 for a full disk, 451 (try again) for an unreachable database. */
function asFtpReply(error: Error): Error {
  if (error instanceof FtpReplyError) return error;
  if (error instanceof UploadTooLargeError) return new FtpReplyError(552, error.message);
  const trouble = storeTrouble(error);
  return trouble ? new FtpReplyError(trouble === 'full' ? 452 : 451, storeTroubleMessage(trouble)) : error;
}

function settledLater(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

/**
 * The stream ftp-srv writes a STOR into. It feeds IngestService as the bytes arrive, and it only
 * finishes (which is when ftp-srv sends 226) after the batch row is committed. Destroying it
 * (a broken transfer) makes the ingest fail, so nothing is kept.
 */
export class IngestWriteStream extends Writable {
  private readonly body = new PassThrough({ highWaterMark: 256 * 1024 });
  /** The batch, once committed; rejected when the upload was not stored. */
  readonly accepted: Promise<Batch>;
  /** Settled once the client is known to have sent the whole file (or not): see _final. */
  private readonly whole = settledLater();
  private refusal: Error | null = null;
  private drained = 0;
  private waitingForDrain: (() => void) | null = null;

  constructor(
    ingest: IngestService,
    file: Omit<IncomingFile, 'body'>,
    private readonly control: ControlConnection,
  ) {
    super({ highWaterMark: 256 * 1024 });
    // Rejected when the transfer was cut; accept then drops the upload, and its own error is the one reported.
    this.whole.promise.catch(() => undefined);
    this.accepted = ingest.accept({ ...file, body: this.body, whole: this.whole.promise });
    // A refusal while bytes are still arriving (too large, disk full): the rest is dropped, the reply sent at the end.
    this.accepted.catch((error: Error) => {
      this.refusal = asFtpReply(error);
      this.release();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.control.busy();
    if (this.refusal) {
      this.drained += chunk.length;
      return callback(this.drained > DRAIN_BYTES ? this.refusal : null);
    }
    if (this.body.write(chunk)) return callback();
    this.waitingForDrain = () => callback();
    this.body.once('drain', () => this.release());
  }

  /** Lets ftp-srv write on: the body took the last chunk, or nobody will read it any more. */
  private release(): void {
    const waiting = this.waitingForDrain;
    this.waitingForDrain = null;
    waiting?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.refusal) return callback(this.refusal);
    // The store flushes the bytes to its disk while the control connection is watched: nothing is committed before `whole`.
    this.body.end();
    setTimeout(() => {
      if (this.control.gone()) {
        const error = new Error('the client disconnected before the transfer was confirmed; nothing was stored');
        this.whole.reject(error);
        callback(error);
        return;
      }
      this.whole.resolve();
      this.accepted.then(
        () => callback(),
        (error: Error) => callback(asFtpReply(error)),
      );
    }, CLIENT_GONE_GRACE_MS);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const aborted = error ?? new Error('the transfer was aborted');
    if (!this.body.destroyed) this.body.destroy(aborted);
    this.whole.reject(aborted);
    callback(error);
  }
}
