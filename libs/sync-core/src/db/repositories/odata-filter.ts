import { InvalidInputError } from '../../errors.js';
import { instantComparison } from './feed.queries.js';

/** A `$filter` as SQL over `sighting s`, with named parameters. */
export interface SqlCondition {
  sql: string;
  parameters: Record<string, unknown>;
}

type Kind = 'text' | 'number' | 'instant' | 'utc' | 'boolean';

/** The core properties `$filter` may name, with their column and how a literal compares to them. */
const PROPERTIES: Record<string, { column: string; kind: Kind }> = {
  kind: { column: 's.kind', kind: 'text' },
  deviceId: { column: 's.device_id', kind: 'text' },
  reviewState: { column: 's.review_state', kind: 'text' },
  observedAt: { column: 's.observed_at', kind: 'instant' },
  receivedAt: { column: 's.received_at', kind: 'utc' },
  revision: { column: 's.revision', kind: 'number' },
  seq: { column: 's.seq', kind: 'number' },
  deleted: { column: 's.deleted', kind: 'boolean' },
};
const OPERATORS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
const TOKEN = /\s*(?:(\()|(\))|('(?:[^']|'')*')|(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;

type Token = { type: 'open' | 'close' | 'string' | 'instant' | 'number' | 'word'; text: string };

function tokens(filter: string): Token[] {
  const found: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < filter.length) {
    if (/^\s*$/.test(filter.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(filter);
    if (!match) throw new InvalidInputError(`$filter cannot be read at position ${at + 1}: "${filter.slice(at, at + 20)}"`);
    const [, open, close, string, instant, number, word] = match;
    if (open) found.push({ type: 'open', text: open });
    else if (close) found.push({ type: 'close', text: close });
    else if (string) found.push({ type: 'string', text: string.slice(1, -1).replace(/''/g, "'") });
    else if (instant) found.push({ type: 'instant', text: instant });
    else if (number) found.push({ type: 'number', text: number });
    else found.push({ type: 'word', text: word! });
  }
  return found;
}

/**
 * OData's `$filter` on the core properties (`kind`, `deviceId`, `reviewState`, `observedAt`,
 * `receivedAt`, `revision`, `seq`, `deleted`) with `eq ne gt ge lt le`, `and`, `or`, `not` and
 * parentheses, as SQL with bound parameters; anything else is a 400 that says what it cannot read.
 * `observedAt` compares as an instant whatever offset a sighting was recorded with.
 */
export function odataFilter(filter: string, postgres: boolean): SqlCondition {
  const list = tokens(filter);
  const parameters: Record<string, unknown> = {};
  let position = 0;
  const peek = () => list[position];
  const take = () => list[position++];
  const word = (text: string) => peek()?.type === 'word' && peek()!.text === text;

  const comparison = (): string => {
    const name = take();
    if (name?.type !== 'word' || !PROPERTIES[name.text]) throw new InvalidInputError(`$filter may compare ${Object.keys(PROPERTIES).join(', ')}; not "${name?.text ?? 'nothing'}"`);
    const operator = take();
    if (operator?.type !== 'word' || !OPERATORS[operator.text]) throw new InvalidInputError(`$filter compares with ${Object.keys(OPERATORS).join(', ')}; not "${operator?.text ?? 'nothing'}"`);
    const literal = take();
    if (!literal || literal.type === 'open' || literal.type === 'close') throw new InvalidInputError(`$filter: ${name.text} ${operator.text} needs a value`);
    const { column, kind } = PROPERTIES[name.text]!;
    const parameter = `f${Object.keys(parameters).length}`;
    if (literal.type === 'word' && literal.text === 'null') {
      if (operator.text !== 'eq' && operator.text !== 'ne') throw new InvalidInputError('$filter compares with null only by eq and ne');
      return `${column} IS ${operator.text === 'eq' ? '' : 'NOT '}NULL`;
    }
    const sqlOperator = OPERATORS[operator.text]!;
    switch (kind) {
      case 'text':
        if (literal.type !== 'string') throw new InvalidInputError(`$filter: ${name.text} takes a quoted text ('…')`);
        parameters[parameter] = literal.text;
        return `${column} ${sqlOperator} :${parameter}`;
      case 'number':
        if (literal.type !== 'number') throw new InvalidInputError(`$filter: ${name.text} takes a number`);
        parameters[parameter] = Number(literal.text);
        return `${column} ${sqlOperator} :${parameter}`;
      case 'boolean':
        if (literal.type !== 'word' || !['true', 'false'].includes(literal.text)) throw new InvalidInputError(`$filter: ${name.text} takes true or false`);
        parameters[parameter] = literal.text === 'true';
        return `${column} ${sqlOperator} :${parameter}`;
      case 'instant':
      case 'utc': {
        if (literal.type !== 'instant' || Number.isNaN(Date.parse(literal.text))) throw new InvalidInputError(`$filter: ${name.text} takes a date and time (2026-03-01T10:00:00Z)`);
        if (kind === 'utc') {
          // received_at is written in UTC, as toISOString writes it: the same text compares in order.
          parameters[parameter] = new Date(literal.text).toISOString();
          return `${column} ${sqlOperator} :${parameter}`;
        }
        parameters[parameter] = literal.text;
        return instantComparison(column, sqlOperator, parameter, postgres);
      }
    }
  };
  const primary = (): string => {
    if (peek()?.type === 'open') {
      take();
      const inner = disjunction();
      if (take()?.type !== 'close') throw new InvalidInputError('$filter: a "(" is not closed');
      return `(${inner})`;
    }
    if (word('not')) {
      take();
      return `NOT ${primary()}`;
    }
    return comparison();
  };
  const conjunction = (): string => {
    let sql = primary();
    while (word('and')) {
      take();
      sql = `${sql} AND ${primary()}`;
    }
    return sql;
  };
  const disjunction = (): string => {
    let sql = conjunction();
    while (word('or')) {
      take();
      sql = `${sql} OR ${conjunction()}`;
    }
    return sql;
  };
  const sql = disjunction();
  if (position < list.length) throw new InvalidInputError(`$filter: "${list[position]!.text}" is not expected there`);
  return { sql: `(${sql})`, parameters };
}
