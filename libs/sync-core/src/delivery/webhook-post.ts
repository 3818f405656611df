import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { isPrivateAddress } from '../pull/source-policy.js';

/** A receiver silent this long (connecting or answering) is given up on; the whole exchange has the caller's time-out. */
const SILENCE_TIMEOUT_MS = 10_000;
/** What is kept of a receiver's answer: enough for an error message. */
const ANSWER_BYTES_KEPT = 2048;

export interface WebhookAnswer {
  status: number;
  body: string;
}

/**
 * The signature a receiver checks: HMAC-SHA256 with the subscription's secret over
 * "<timestamp>.<body>", hex, as `X-FieldSync-Signature: t=<timestamp>,v1=<hex>`. The timestamp
 * in the signed text lets a receiver refuse an old message replayed.
 */
export function signature(secret: string, timestamp: string, body: string | Buffer): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** A DNS lookup that refuses private, loopback and link-local answers: the address connected to is the one checked. */
export function publicOnlyLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as { address: string; family: number }[];
      const refused = !allowPrivate && list.find((entry) => isPrivateAddress(entry.address));
      if (refused) {
        return callback(
          Object.assign(new Error(`${hostname} resolves to ${refused.address}, a private, loopback or link-local address: set DELIVERY_ALLOW_PRIVATE_NETWORKS=true to deliver there`), {
            code: 'EPRIVATE',
          }),
          '',
          0,
        );
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (error: null, addresses: typeof list) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** Refuses a URL whose host is a literal private address (a name is checked when it is resolved). */
export function literalAddressProblem(url: URL, allowPrivate: boolean): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return `${host} is a private, loopback or link-local address: deliveries go only to public hosts unless the operator sets DELIVERY_ALLOW_PRIVATE_NETWORKS=true`;
  }
  return null;
}

/** POSTs a JSON body with time-outs on connect and on the whole exchange; reads at most a little of the answer. */
export function postJson(url: URL, body: string | Buffer, headers: Record<string, string>, options: { allowPrivate: boolean; timeoutMs: number }): Promise<WebhookAnswer> {
  const { allowPrivate, timeoutMs } = options;
  const silenceMs = Math.min(SILENCE_TIMEOUT_MS, timeoutMs);
  const literal = literalAddressProblem(url, allowPrivate);
  if (literal) return Promise.reject(new Error(literal));
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      lookup: publicOnlyLookup(allowPrivate),
      timeout: silenceMs,
    });
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`the receiver sent nothing for ${silenceMs / 1000} s`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('response', (response) => {
      let kept = '';
      response.on('data', (chunk: Buffer) => {
        if (kept.length < ANSWER_BYTES_KEPT) kept += chunk.toString('utf8').slice(0, ANSWER_BYTES_KEPT - kept.length);
      });
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, body: kept });
      });
      response.on('error', (error) => {
        clearTimeout(deadline);
        reject(error);
      });
    });
    request.end(body);
  });
}
