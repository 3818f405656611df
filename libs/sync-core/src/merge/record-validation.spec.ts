import { describe, expect, it } from 'vitest';
import { SightingRecord } from '../formats/format.js';
import { invalidReason, MAX_DATA_DEPTH, nestsDeeperThan, storableText } from './record-validation.js';

const record = (overrides: Partial<SightingRecord> = {}): SightingRecord => ({
  uid: 'a',
  deviceId: 'd',
  kind: 'sighting',
  observedAt: '2026-03-01T10:00:00+02:00',
  latitude: -24,
  longitude: 31,
  altitude: null,
  accuracy: null,
  data: { Species: 'Lion' },
  attachments: [],
  deleted: false,
  ...overrides,
});

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

describe('record validation', () => {
  it.each([
    ['2026-02-30T10:00:00Z', /February 2026 has 28 days/],
    ['2024-02-30', /February 2024 has 29 days/],
    ['2026-13-01T10:00:00Z', /there is no month 13/],
    ['2026-03-01T24:00:00Z', /24:00:00 is not a time of day/],
    ['2026-03-01T10:60', /10:60 is not a time of day/],
  ])('refuses %s, which the calendar does not have', (observedAt, reason) => {
    expect(invalidReason(record({ observedAt }))).toMatch(reason);
  });

  it('takes real dates, leap days included', () => {
    for (const observedAt of ['2024-02-29T23:59:59+02:00', '2026-12-31', '2026-03-01T10:00']) expect(invalidReason(record({ observedAt }))).toBeNull();
  });

  it('refuses values nested deeper than the limit without overflowing the stack', () => {
    expect(nestsDeeperThan(nested(MAX_DATA_DEPTH), MAX_DATA_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_DATA_DEPTH + 1), MAX_DATA_DEPTH)).toBe(true);
    expect(invalidReason(record({ data: { deep: nested(200_000) } }))).toMatch(/nest deeper than 32 levels/);
    expect(invalidReason(record({ data: { ok: nested(10) } }))).toBeNull();
  });

  it('refuses a record whose values, written as JSON, exceed 1 MiB', () => {
    // {"v":"…"}: 8 characters around the string.
    const limit = 1024 * 1024;
    expect(invalidReason(record({ data: { v: 'x'.repeat(limit - 8) } }))).toBeNull();
    expect(invalidReason(record({ data: { v: 'x'.repeat(limit - 7) } }))).toMatch(/values exceed 1048576 characters/);
  });

  it('refuses NUL characters in the columns a database keeps as text', () => {
    expect(invalidReason(record({ observedAt: '\u0000\u0000' }))).toMatch(/NUL/);
    expect(invalidReason(record({ uid: 'x\u00001' }))).toMatch(/NUL/);
    expect(invalidReason(record({ deviceId: '\u0000' }))).toMatch(/NUL/);
  });

  it('makes reasons that quote bad input storable', () => {
    expect(storableText('dateTime "\u0000\u001b[31m" is bad\n')).toBe('dateTime "\\u0000\\u001b[31m" is bad\n');
  });
});
