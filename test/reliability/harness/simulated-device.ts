import { curl, CurlResult } from '../../support/curl.js';
import { feature, featureCollection } from '../../support/geojson.js';
import { Ledger } from './ledger.js';

export interface DeviceCredentials {
  login: string;
  secret: string;
}

/** Where a device sends: any of the gateways (a load balancer's choice), or the FTP door. */
export type Door = { kind: 'http'; baseUrls: () => string[] } | { kind: 'ftp'; port: () => number };

export interface SendOptions {
  /** curl --limit-rate, to keep uploads in flight long enough for a fault to hit them. */
  limitRate?: string;
  /** Give up (and fail the scenario) when nothing was acknowledged by then. */
  deadlineMs?: number;
  /** Time between two files, so the load lasts through a fault. */
  pauseMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A handheld with an outbox, sending CyberTracker GeoJSON files the way a real client does: with
 * curl, and sending a file again until the server acknowledges it (202 over HTTP, 226 over FTP).
 */
export class SimulatedDevice {
  private sent = 0;

  constructor(
    readonly name: string,
    readonly credentials: DeviceCredentials,
    private readonly door: Door,
    private readonly ledger: Ledger,
  ) {}

  /** A file of `size` new sightings; returns their uids as the server derives them. */
  static file(size: number, deviceId: string): { body: Buffer; uids: string[] } {
    const features = Array.from({ length: size }, () => feature({ deviceId }));
    return { body: featureCollection(features), uids: features.map((f) => f.properties.id.slice(1, -1).toLowerCase()) };
  }

  /** Sends one file per entry of `sizes` (its number of sightings), one after the other. */
  async sendFiles(sizes: number[], options: SendOptions = {}): Promise<void> {
    for (const size of sizes) {
      const { body, uids } = SimulatedDevice.file(size, this.name);
      await this.send(body, uids, options);
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  }

  async send(body: Buffer, uids: string[], options: SendOptions = {}): Promise<'acknowledged' | 'refused'> {
    const deadline = Date.now() + (options.deadlineMs ?? 180_000);
    const fileName = `${this.name}-${++this.sent}.geojson`;
    for (let attempt = 0; ; attempt++) {
      this.ledger.attempts++;
      const answer = await this.attempt(body, fileName, attempt, options).catch((error: Error) => ({ status: 0, body: error.message, exitCode: -1 }) as CurlResult);
      if (answer.status === 202 || (answer.status === 226 && answer.exitCode === 0)) {
        this.ledger.acknowledge(uids);
        return 'acknowledged';
      }
      this.ledger.noteAnswer(answer.status);
      if (this.refusedForGood(answer.status)) {
        this.ledger.refused++;
        return 'refused';
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: ${fileName} never acknowledged; last answer ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
      this.ledger.resent++;
      await sleep(200 + Math.random() * 400 * Math.min(attempt + 1, 5));
    }
  }

  /** HTTP 4xx (but 408/429) and FTP 5xx mean "this file will never be taken": sending it again is pointless. */
  private refusedForGood(status: number): boolean {
    if (this.door.kind === 'ftp') return status >= 500;
    return status >= 400 && status < 500 && status !== 429 && status !== 408;
  }

  private attempt(body: Buffer, fileName: string, attempt: number, options: SendOptions): Promise<CurlResult> {
    const limits = ['--max-time', '60', ...(options.limitRate ? ['--limit-rate', options.limitRate] : [])];
    const { login, secret } = this.credentials;
    if (this.door.kind === 'ftp') {
      return curl([...limits, '-T', '-', '--user', `${login}:${secret}`, `ftp://127.0.0.1:${this.door.port()}/${fileName}`], body);
    }
    const urls = this.door.baseUrls();
    const url = urls[(attempt + this.sent) % urls.length];
    return curl([...limits, '-u', `${login}:${secret}`, '-H', `X-File-Name: ${fileName}`, '--data-binary', '@-', `${url}/upload`], body);
  }
}
