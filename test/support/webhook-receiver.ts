import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedSighting {
  id: string;
  seq: number;
  revision: number;
  data: Record<string, unknown>;
}

/**
 * A subscriber's endpoint as its owner would write it: checks each POST's signature, drops a
 * delivery whose idempotency key it has seen, and keeps the sightings in the order they came.
 * `mode` makes it fail (500) or slow; stop() and start() take it off the network and back.
 */
export class WebhookReceiver {
  secret = '';
  mode: 'ok' | 'fail' = 'ok';
  delayMs = 0;
  readonly sightings: ReceivedSighting[] = [];
  /** What a subscription in EarthRanger's shape sent (`{ events: […] }`). */
  readonly events: Record<string, unknown>[] = [];
  readonly keys = new Set<string>();
  /** When each sighting id first arrived (ms since the epoch). */
  readonly arrivedAt = new Map<string, number>();
  duplicateDeliveries = 0;
  badSignatures = 0;
  posts = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await receiver.listen(0);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Back on the same port after stop(). */
  async listen(port = this.port): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as AddressInfo).port;
  }

  /** Off the network: connections are refused until listen() again. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private verified(request: IncomingMessage, body: string): boolean {
    const header = String(request.headers['x-fieldsync-signature'] ?? '');
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    if (!match || match[1] !== request.headers['x-fieldsync-timestamp']) return false;
    const expected = createHmac('sha256', this.secret).update(`${match[1]}.${body}`).digest();
    return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.posts++;
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.mode === 'fail') return void response.writeHead(500).end('receiver trouble');
    if (!this.verified(request, body)) {
      this.badSignatures++;
      return void response.writeHead(401).end('bad signature');
    }
    const key = String(request.headers['idempotency-key']);
    if (this.keys.has(key)) {
      this.duplicateDeliveries++;
      return void response.writeHead(200).end('seen');
    }
    this.keys.add(key);
    const now = Date.now();
    const parsed = JSON.parse(body) as { sightings?: ReceivedSighting[]; events?: Record<string, unknown>[] };
    for (const sighting of parsed.sightings ?? []) {
      this.sightings.push(sighting);
      if (!this.arrivedAt.has(sighting.id)) this.arrivedAt.set(sighting.id, now);
    }
    this.events.push(...(parsed.events ?? []));
    response.writeHead(200).end('ok');
  }
}
