import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Server, Socket } from 'node:net';

/** How long a passive port waits for its data connection: long enough for a slow link, short for a guesser. */
const ACCEPT_WINDOW_MS = 15_000;
const PORT_ATTEMPTS = 20;

interface PassiveConnector {
  connection: { commandSocket: Socket; secure: boolean; ip: string };
  server: { options: { tls: object | false; pasv_min: number; pasv_max: number }; url: { hostname: string }; emit(event: string, payload: unknown): void };
  log: { debug(...args: unknown[]): void; warn(...args: unknown[]): void };
  dataServer: Server | null;
  dataSocket: (Socket & { connected?: boolean }) | null;
  closeServer(): void;
  end(): void;
}

let patched = false;

const sameAddress = (a: string | undefined, b: string | undefined) => (a ?? '').replace(/^::ffff:/, '') === (b ?? '').replace(/^::ffff:/, '');

/**
 * ftp-srv 4.6's passive data port answers a connection from another address with 550 and closes
 * the victim's session (sweeping the passive range broke every upload in progress), and takes
 * the first connection from the right address whoever makes it, on a port chosen in sequence.
 * Here a port is chosen at random, a connection from another address is dropped without a word
 * to the session, the first one from the session's address is the only one taken (the port
 * then stops listening), and an unused port closes after ACCEPT_WINDOW_MS. With FTPS (PROT P)
 * the TLS handshake binds the data connection to the session besides.
 */
export function patchFtpSrvPassive(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const net = require('node:net') as typeof import('node:net');
  const tls = require('node:tls') as typeof import('node:tls');
  const Passive = require('ftp-srv/src/connector/passive.js') as { prototype: { setupServer(this: PassiveConnector): Promise<Server> } };

  Passive.prototype.setupServer = async function setupServer(this: PassiveConnector): Promise<Server> {
    this.closeServer();
    this.dataSocket = null;
    const { pasv_min: min, pasv_max: max } = this.server.options;
    const secure = this.connection.secure;
    let idleTimer: NodeJS.Timeout | undefined;
    const onConnection = (socket: Socket) => {
      if (this.dataSocket || !sameAddress(socket.remoteAddress, this.connection.commandSocket.remoteAddress)) {
        this.log.warn({ pasv_connection: socket.remoteAddress, cmd_connection: this.connection.commandSocket.remoteAddress }, 'passive connection refused: not the session\'s, or not the first');
        socket.destroy();
        return;
      }
      clearTimeout(idleTimer);
      this.dataSocket = socket;
      socket.on('error', (error) => this.server.emit('client-error', { connection: this.connection, context: 'dataSocket', error }));
      socket.once('close', () => this.closeServer());
      if (!secure) this.dataSocket.connected = true;
    };
    // One-shot: once taken, every further connection to the port is dropped (above); ftp-srv's
    // waitForConnection wants the listener open until the transfer ends, so it stays open.
    const dataServer: Server = secure
      ? tls.createServer({ ...(this.server.options.tls || {}), pauseOnConnect: true } as never, onConnection)
      : net.createServer({ pauseOnConnect: true }, onConnection);
    if (secure) dataServer.on('secureConnection', (socket: Socket & { connected?: boolean }) => (socket.connected = true));
    for (let attempt = 1; ; attempt++) {
      const port = randomInt(min, max + 1);
      try {
        await new Promise<void>((resolve, reject) => {
          dataServer.once('error', reject);
          dataServer.listen(port, this.server.url.hostname, () => {
            dataServer.removeListener('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
    this.dataServer = dataServer;
    dataServer.on('error', (error) => this.server.emit('client-error', { connection: this.connection, context: 'dataServer', error }));
    dataServer.once('close', () => this.end());
    idleTimer = setTimeout(() => this.closeServer(), ACCEPT_WINDOW_MS);
    this.log.debug({ port: (dataServer.address() as { port: number }).port }, 'passive port listening');
    return dataServer;
  };
}
