import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

/**
 * ftp-srv 4.6's AUTH TLS, fixed (found by driving it with lftp and Python's ftplib): it answers
 * 234 while the control connection keeps flowing, so a quick client's ClientHello can reach the
 * FTP command parser before the socket is wrapped: the handshake fails ("unexpected TLS packet")
 * or the parser answers the ClientHello with a 502 and every later reply is off by one. The
 * socket is now paused before the answer and the parser moved to the decrypted stream.
 * (Protected data connections are set up by ftp-srv-passive.patch.ts.)
 */
interface FtpConnection {
  server: { options: { tls: object | false } };
  secure: boolean;
  commandSocket: Socket;
  reply(code: number): Promise<unknown>;
}

function patchAuthTls(require: NodeJS.Require): void {
  const auth = require('ftp-srv/src/commands/registration/auth.js') as { handler(this: FtpConnection, input: { command: { arg?: string } }): unknown };
  auth.handler = function handler(this: FtpConnection, { command }) {
    if ((command.arg ?? '').trim().toUpperCase() !== 'TLS') return this.reply(504);
    if (!this.server.options.tls) return this.reply(502);
    if (this.secure) return this.reply(202);
    const plain = this.commandSocket;
    plain.pause();
    return this.reply(234).then(() => {
      // Bytes that arrived meanwhile are the ClientHello: the command parser must not see them,
      // so it is detached before TLSSocket takes over the buffered bytes, and re-attached to the
      // decrypted stream.
      const commandListeners = plain.listeners('data') as ((...args: unknown[]) => void)[];
      plain.removeAllListeners('data');
      const secureSocket = new TLSSocket(plain, { isServer: true, secureContext: createSecureContext(this.server.options.tls as object) });
      for (const listener of commandListeners) secureSocket.on('data', listener);
      for (const event of ['timeout', 'end', 'close', 'drain', 'error']) {
        secureSocket.on(event, (...args: unknown[]) => plain.emit(event, ...args));
      }
      this.commandSocket = secureSocket;
      this.secure = true;
    });
  };
}

let patched = false;

export function patchFtpSrvTls(): void {
  if (patched) return;
  patched = true;
  patchAuthTls(createRequire(import.meta.url));
}
