import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { addToCount } from '@fieldsync/sync-core';
import { clientAddress } from '../client-address.js';
import { sendProblem } from '../problem.js';

/** How often an open stream looks for news, and how long it may stay silent before a keep-alive comment. */
export const STREAM_POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;
/**
 * Open streams one caller (a token or a signed-in browser) may hold on one gateway, and one
 * address (an office behind one NAT: several people): each stream polls the database once a
 * second, so 500 of them from one caller were a load anyone with a viewer's token could make.
 */
export const MAX_STREAMS_PER_CALLER = 10;
export const MAX_STREAMS_PER_ADDRESS = 40;

/** What a stream's follower gets: a way to send events, and a signal that the stream has ended. */
export interface EventStream {
  send(text: string): void;
  ended: AbortSignal;
  /** Waits a poll interval, or less if the stream ends meanwhile. */
  pause(): Promise<void>;
}

/** One server-sent event; `id` is what the client's next Last-Event-ID will be. */
export function serverSentEvent(event: string, data: unknown, id?: number | string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The gateway's server-sent event streams (live batches, live sightings). Each follows the
 * database (the consolidator may be another process) until the client leaves; a comment line
 * after 15 s of silence keeps proxies from closing a quiet stream. Every stream ends when the
 * gateway stops: an open console must not hold a restart up.
 */
@Injectable()
export class EventStreams {
  private readonly open = new Set<AbortController>();
  private readonly held = new Map<string, number>();
  private readonly logger = new Logger('EventStreams');

  /** `caller` names who asks (a token's or a session's id): their streams are counted, and refused (429) beyond the caps. */
  async serve(request: Request, response: Response, caller: string, follow: (stream: EventStream) => Promise<void>): Promise<void> {
    const keys = [`caller:${caller}`, `address:${clientAddress(request)}`];
    const caps = [MAX_STREAMS_PER_CALLER, MAX_STREAMS_PER_ADDRESS];
    if (keys.some((key, index) => (this.held.get(key) ?? 0) >= caps[index]!)) {
      response.setHeader('Retry-After', '30');
      sendProblem(
        response,
        429,
        `too many live streams open: at most ${MAX_STREAMS_PER_CALLER} for one token or signed-in browser and ${MAX_STREAMS_PER_ADDRESS} for one address; close a console tab or an old stream, then try again`,
      );
      return;
    }
    for (const key of keys) addToCount(this.held, key, +1);
    try {
      await this.follow(request, response, follow);
    } finally {
      for (const key of keys) addToCount(this.held, key, -1);
    }
  }

  private async follow(request: Request, response: Response, follow: (stream: EventStream) => Promise<void>): Promise<void> {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    const ended = new AbortController();
    this.open.add(ended);
    request.on('close', () => ended.abort());
    let lastWrite = Date.now();
    const stream: EventStream = {
      ended: ended.signal,
      send: (text) => {
        if (!text || ended.signal.aborted) return;
        response.write(text);
        lastWrite = Date.now();
      },
      pause: async () => {
        if (Date.now() - lastWrite >= HEARTBEAT_MS) stream.send(': still here\n\n');
        await sleep(STREAM_POLL_MS, undefined, { signal: ended.signal }).catch(() => undefined);
      },
    };
    try {
      await follow(stream);
    } catch (error) {
      // The answer has started: the stream ends, and the client reconnects from its last event id.
      this.logger.warn({ message: 'live stream ended early', path: request.path, error: (error as Error).message });
    } finally {
      this.open.delete(ended);
      response.end();
    }
  }

  /** Ends every open stream (HttpDoorShutdown does, as the gateway stops). */
  endAll(): void {
    for (const stream of this.open) stream.abort();
  }
}
