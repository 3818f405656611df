import type { NextFunction, Request, Response } from 'express';
import { sendProblem } from './problem.js';

/** Deeper JSON than any admin or device request needs; JSON.parse and class-transformer recurse. */
export const MAX_JSON_DEPTH = 64;

/** Refuses a JSON body nested deeper than MAX_JSON_DEPTH before it is parsed (body-parser's `verify`). */
export function refuseDeepJson(_request: unknown, _response: unknown, body: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < body.length; index++) {
    const byte = body[index];
    if (inString) {
      if (byte === 0x5c) index++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw Object.assign(new Error(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`), { status: 400, expose: true });
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
}

/** NUL is refused in every JSON string: PostgreSQL cannot store it, and no field of ours needs it (JSON.parse's reviver). */
export function refuseNul(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.includes('\u0000')) throw Object.assign(new Error('a text value holds a NUL character'), { status: 400, expose: true });
  return value;
}

/** A path holding NUL (raw or %00) is answered 400 before it reaches a route, and so the database. */
export function refuseNulInPath(request: Request, response: Response, next: NextFunction): void {
  if (/%00|\u0000/.test(request.url)) {
    sendProblem(response, 400, 'the path holds a NUL character');
    return;
  }
  next();
}

/**
 * One rule for every route: a query parameter given twice (`?q=a&q=b`) is answered 400 naming it.
 * Express hands a repeated parameter over as an array, which no route reads as one (it was a 500).
 */
export function refuseRepeatedQuery(request: Request, response: Response, next: NextFunction): void {
  const repeated = Object.entries(request.query).find(([, value]) => Array.isArray(value));
  if (repeated) {
    sendProblem(response, 400, `the query parameter "${repeated[0]}" is given more than once; give it once (several values, where a parameter takes them, are separated by commas)`, {
      parameter: repeated[0],
    });
    return;
  }
  next();
}
