import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { NetworkTrouble, networkTrouble } from '@fieldsync/sync-core';
import { CliError, EXIT } from '../output.js';
import { remoteName, SendOutcome, UploadTarget } from './upload-target.js';

/** A batch as the gateway's 202 names it. */
interface UploadedBatch {
  id: string;
  status: string;
  counts?: { records: number; rejected: number };
  error?: string | null;
}

/** The gateway's device upload: PUT /upload/{name} with HTTP Basic, streamed from disk. */
export class HttpTarget implements UploadTarget {
  readonly description: string;
  private readonly base: string;
  private readonly authorization: string;

  constructor(url: string, login: string, secret: string) {
    // The upload URL devices are given (…/upload) names the same gateway.
    this.base = url.replace(/\/+$/, '').replace(/\/upload$/, '');
    this.description = this.base;
    this.authorization = `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}`;
  }

  async send(path: string, name?: string): Promise<SendOutcome> {
    const size = (await stat(path)).size;
    const response = await this.request(`${this.base}/upload/${encodeURIComponent(remoteName(path, name))}`, {
      method: 'PUT',
      headers: { authorization: this.authorization, 'content-length': String(size), 'content-type': 'application/octet-stream' },
      body: Readable.toWeb(createReadStream(path)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (response.status !== 202)
      throw new CliError(`${this.base} answered ${response.status}: ${await reason(response)}`, response.status === 401 || response.status === 403 ? EXIT.refused : EXIT.incomplete);
    // Taken, but a file nothing could be read from is rejected at once: sending it again cannot help.
    const answer = (await response.json().catch(() => ({}))) as { batches?: UploadedBatch[] };
    const rejected = answer.batches?.find((batch) => batch.status === 'rejected');
    if (rejected) throw new CliError(`the server rejected the file: ${rejected.error ?? 'nothing in it could be read'} (batch ${rejected.id})`, EXIT.rejected);
    const partly = answer.batches?.find((batch) => (batch.counts?.rejected ?? 0) > 0);
    return partly ? { warning: `${partly.counts!.rejected} of ${partly.counts!.records} records rejected (batch ${partly.id}: the console or GET /api/v1/batches/${partly.id} says why)` } : {};
  }

  async test(): Promise<string[]> {
    const steps: string[] = [];
    // Health lives at the root, also for a device URL (…/key/SECRET).
    const health = `${new URL(this.base).origin}/health/live`;
    const live = await this.request(health, {});
    if (!live.ok) throw new CliError(`reachable, but ${health} answered ${live.status}: is this a FieldSync gateway?`, EXIT.unreachable);
    steps.push(`reachable: ${this.base}`);
    // The OpenRosa HEAD checks the device login without sending anything.
    const login = await this.request(`${this.base}/submission`, { method: 'HEAD', headers: { authorization: this.authorization, 'x-openrosa-version': '1.0' } });
    if (login.status === 401) throw new CliError('login failed: the device login or secret is wrong, or the device is disabled', EXIT.refused);
    if (login.status === 429) throw new CliError('login refused for now: too many failed logins from here; wait and try again', EXIT.refused);
    if (login.status !== 204) throw new CliError(`login check answered ${login.status}`, EXIT.refused);
    steps.push('login: accepted', 'write permission: the device may upload');
    return steps;
  }

  async close(): Promise<void> {}

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      throw new CliError(`cannot reach ${this.base}: ${describeNetworkError(cause ?? (error as Error))}`, EXIT.unreachable);
    }
  }
}

async function reason(response: Response): Promise<string> {
  return problemDetail(await response.text());
}

/** What an error answer says: its problem details' `detail`, or the start of its text. */
export function problemDetail(text: string): string {
  try {
    return (JSON.parse(text) as { detail?: string }).detail ?? text;
  } catch {
    return text.slice(0, 200);
  }
}

const HINTS: Record<NetworkTrouble, string> = {
  'host not found': 'check the name',
  'connection refused': 'is the server running, and is the port right?',
  'no answer': 'a firewall, or the server is down',
  'TLS certificate not trusted': 'set NODE_EXTRA_CA_CERTS to its CA file',
  'plain answer to TLS': 'this port speaks plain HTTP: use http://, or give the server TLS_CERT and TLS_KEY',
  'closed at once': 'if this port speaks HTTPS, use https://',
};

export function describeNetworkError(error: Error): string {
  const trouble = networkTrouble(error);
  return trouble ? `${trouble} (${HINTS[trouble]})` : error.message;
}
