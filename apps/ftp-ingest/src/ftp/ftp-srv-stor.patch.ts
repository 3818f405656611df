import { createRequire } from 'node:module';

interface StorConnection {
  reply(code: number, ...rest: unknown[]): Promise<unknown>;
  once(event: 'STOR', listener: (error: unknown) => void): void;
  removeListener(event: 'STOR', listener: (error: unknown) => void): void;
}

let patched = false;

/**
 * ftp-srv 4.6 answers every failed STOR with 550, which clients take as "never send this again".
 * A full disk (452) or an unreachable database (451) are temporary, and a file over the limit is
 * 552 (RFC 959); the stream's error carries the right code as `ftpCode` (IngestWriteStream). ftp-srv
 * emits the STOR event with the error just before it replies, which is where the code is picked up.
 */
export function patchFtpSrvStorReplies(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const stor = require('ftp-srv/src/commands/registration/stor.js') as { handler(this: StorConnection, input: unknown): Promise<unknown> };
  const original = stor.handler;
  stor.handler = function handler(this: StorConnection, input) {
    let code: number | undefined;
    const onStor = (error: unknown) => (code = (error as { ftpCode?: number } | null)?.ftpCode);
    this.once('STOR', onStor);
    const reply = this.reply;
    this.reply = (replyCode, ...rest) => reply.call(this, replyCode === 550 && code ? code : replyCode, ...rest);
    return original.call(this, input).finally(() => {
      this.reply = reply;
      this.removeListener('STOR', onStor);
    });
  };
}
