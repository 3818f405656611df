import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer, Server, Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

/** How long a passive port waits for its data connection: long enough for a slow link, short for a guesser. */
const ACCEPT_WINDOW_MS = 15_000;
const PORT_ATTEMPTS = 20;

interface PassiveConnector {
  connection: { secure: boolean; commandSocket: Socket };
  server: { options: { tls: object | false; pasv_min: number; pasv_max: number }; url: { hostname: string }; emit(event: string, data: object): void };
  log: { warn(...args: unknown[]): void };
  dataSocket: (Socket & { connected?: boolean }) | null;
  dataServer: Server | null;
  closeServer(): void;
  end(): void;
}

let patched = false;

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  const plain = (address: string | undefined) => address?.replace(/^::ffff:/, '');
  return plain(a) === plain(b);
}

/** Listens on a random free port of the passive range: a port in sequence is a port a stranger can guess. */
async function listenOnRandomPort(server: Server, min: number, max: number, host: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(randomInt(min, max + 1), host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/**
 * How ftp-srv 4.6 sets up a passive data port, replaced, for two reasons.
 *
 * 1. The port must belong to the session that asked for it. ftp-srv answered a connection from
 * another address with 550 and closed the session (a stranger sweeping the range broke every
 * upload in progress), took the first connection from the right address whoever made it, and
 * chose ports in sequence. Here the port is random, a connection from another address is
 * dropped without a word to the session, only the first from the session's address is taken,
 * and an unused port closes after ACCEPT_WINDOW_MS. (Behind one shared NAT address only FTPS
 * tells two devices apart: the TLS handshake binds the data connection.)
 *
 * 2. Protected (PROT P) data connections: ftp-srv reported one ready only once its TLS handshake
 * was done, and sent "150" only then; Python's ftplib and lftp, like most clients, connect, send
 * STOR and wait for "150" before they start the handshake, so both sides waited and the transfer
 * failed with 425. The plain TCP connection is now ready at once and wrapped in TLS right away,
 * so the handshake happens whenever the client starts it.
 */
export function patchFtpSrvPassive(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const Passive = require('ftp-srv/src/connector/passive.js') as { prototype: { setupServer(this: PassiveConnector): Promise<Server> } };

  Passive.prototype.setupServer = async function setupServer(this: PassiveConnector): Promise<Server> {
    this.closeServer();
    this.dataSocket = null;
    // TLS 1.3 sends session tickets after the handshake; an uploading client never reads them,
    // so its close turns into a reset that can cut off the end of the file. TLS 1.2 has none.
    const secureContext = this.connection.secure ? createSecureContext({ ...(this.server.options.tls || {}), maxVersion: 'TLSv1.2' }) : null;
    let idle: NodeJS.Timeout | undefined;
    const dataServer = createServer((raw) => {
      if (this.dataSocket || !sameAddress(raw.remoteAddress, this.connection.commandSocket.remoteAddress)) {
        this.log.warn({ pasv_connection: raw.remoteAddress, cmd_connection: this.connection.commandSocket.remoteAddress }, "passive connection dropped: not the session's, or not the first");
        raw.destroy();
        return;
      }
      clearTimeout(idle);
      const socket: Socket & { connected?: boolean } = secureContext ? new TLSSocket(raw, { isServer: true, secureContext }) : raw;
      socket.on('error', (error) => this.server.emit('client-error', { connection: this.connection, context: 'dataSocket', error }));
      // A TLS socket reports "close" late, possibly after the client's next PASV set up a new
      // data server: only close the server this socket belongs to.
      socket.once('close', () => {
        if (this.dataServer === dataServer) this.closeServer();
      });
      socket.connected = true;
      this.dataSocket = socket;
    });
    dataServer.on('error', (error) => this.server.emit('client-error', { connection: this.connection, context: 'dataServer', error }));
    dataServer.once('close', () => {
      if (this.dataServer === dataServer || this.dataServer === null) this.end();
    });
    await listenOnRandomPort(dataServer, this.server.options.pasv_min, this.server.options.pasv_max, this.server.url.hostname);
    this.dataServer = dataServer;
    idle = setTimeout(() => {
      if (this.dataServer === dataServer) this.closeServer();
    }, ACCEPT_WINDOW_MS);
    return dataServer;
  };
}
