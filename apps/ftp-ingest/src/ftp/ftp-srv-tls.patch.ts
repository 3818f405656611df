import { createRequire } from 'node:module';
import { createServer, Server, Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

/**
 * Two fixes to ftp-srv 4.6's TLS handling, found by driving it with lftp and Python's ftplib.
 *
 * 1. Data connections: ftp-srv starts a protected passive data connection with a TLS server and reports the
 * connection ready only once the TLS handshake is done, and it sends "150" only then. Python's
 * ftplib and lftp, like most clients, connect, send STOR and wait for "150" before they start
 * the handshake: both sides wait and the transfer fails with 425. This replaces, for protected
 * connections only, how the passive data server is set up: the plain TCP connection is ready at
 * once and wrapped in TLS right away, so the handshake can happen whenever the client starts it.
 *
 * 2. AUTH TLS: ftp-srv answers 234 while the control connection keeps flowing, so a quick
 * client's ClientHello can reach the FTP command parser before the socket is wrapped: the
 * handshake fails ("unexpected TLS packet") or the parser answers the ClientHello with a 502
 * and every later reply is off by one. The socket is now paused before the answer and the
 * parser moved to the decrypted stream.
 */
interface PassiveConnector {
  connection: { secure: boolean; commandSocket: Socket; server: { options: { tls: object }; url: { hostname: string }; getNextPasvPort(): Promise<number>; emit(event: string, data: object): void } };
  server: PassiveConnector['connection']['server'];
  dataSocket: (TLSSocket & { connected?: boolean }) | null;
  dataServer: Server | null;
  closeServer(): void;
  end(): void;
}

const CONNECT_TIMEOUT_MS = 30_000;

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  const plain = (address: string | undefined) => address?.replace(/^::ffff:/, '');
  return plain(a) === plain(b);
}

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

export function patchFtpSrvTls(): void {
  const require = createRequire(import.meta.url);
  const Passive = require('ftp-srv/src/connector/passive.js') as { prototype: { setupServer(this: PassiveConnector): Promise<Server>; __fieldsyncPatched?: boolean } };
  if (Passive.prototype.__fieldsyncPatched) return;
  const original = Passive.prototype.setupServer;

  Passive.prototype.setupServer = function setupServer(this: PassiveConnector) {
    if (!this.connection.secure) return original.call(this);
    this.closeServer();
    return Promise.resolve(this.server.getNextPasvPort()).then((port) => {
      this.dataSocket = null;
      // TLS 1.3 sends session tickets after the handshake; an uploading client never reads them,
      // so its close turns into a reset that can cut off the end of the file. TLS 1.2 has none.
      const secureContext = createSecureContext({ ...this.server.options.tls, maxVersion: 'TLSv1.2' });
      let idle: NodeJS.Timeout | undefined;
      const dataServer = createServer((raw) => {
        if (!sameAddress(this.connection.commandSocket.remoteAddress, raw.remoteAddress)) {
          raw.destroy();
          return;
        }
        clearTimeout(idle);
        const socket: TLSSocket & { connected?: boolean } = new TLSSocket(raw, { isServer: true, secureContext });
        socket.on('error', (error) => this.server?.emit('client-error', { connection: this.connection, context: 'dataSocket', error }));
        // A TLS socket reports "close" late, possibly after the client's next PASV set up a new
        // data server: only close the server this socket belongs to.
        socket.once('close', () => {
          if (this.dataServer === dataServer) this.closeServer();
        });
        socket.connected = true;
        this.dataSocket = socket;
      });
      dataServer.maxConnections = 1;
      dataServer.on('error', (error) => this.server?.emit('client-error', { connection: this.connection, context: 'dataServer', error }));
      dataServer.once('close', () => {
        if (this.dataServer === dataServer || this.dataServer === null) this.end();
      });
      this.dataServer = dataServer;
      return new Promise<Server>((resolve, reject) => {
        dataServer.once('error', reject);
        dataServer.listen(port, this.server.url.hostname, () => {
          dataServer.removeListener('error', reject);
          idle = setTimeout(() => this.closeServer(), CONNECT_TIMEOUT_MS);
          resolve(dataServer);
        });
      });
    });
  };
  Passive.prototype.__fieldsyncPatched = true;
  patchAuthTls(require);
}
