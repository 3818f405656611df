import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

/**
 * RFC 9457 problem details, the one shape of every error the gateway answers: `status`, the
 * HTTP status's `title`, and `detail` saying in words what went wrong and what to do; members
 * beside them add what a client can use (the batches kept of a refused upload, each refused
 * field). Protocols with an error shape of their own keep it: OpenRosa's XML, EarthRanger's OAuth.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export const PROBLEM_TYPE = 'application/problem+json';

export function problem(status: number, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, ...extensions };
}

export function sendProblem(response: Response, status: number, detail: string, extensions: Record<string, unknown> = {}): void {
  response
    .status(status)
    .type(PROBLEM_TYPE)
    .send(JSON.stringify(problem(status, detail, extensions)));
}
