import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SightingRecord } from '../formats/format.js';
import { contentHash, dataHash, normalizeUid, sightingUid } from './sighting-identity.js';

const record = (overrides: Partial<SightingRecord> = {}): SightingRecord => ({
  uid: null,
  deviceId: 'dev-1',
  kind: 'sighting',
  observedAt: '2026-03-01T10:00:00+02:00',
  latitude: -24.1,
  longitude: 31.5,
  altitude: null,
  accuracy: 5,
  data: { species: 'Lion', count: 2 },
  attachments: [],
  deleted: false,
  ...overrides,
});

describe('sighting identity', () => {
  it('treats every spelling of a GUID as one uid', () => {
    expect(normalizeUid('{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}')).toBe('0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9');
    expect(normalizeUid(' 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 ')).toBe('0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9');
    expect(normalizeUid('instance:abc')).toBe('instance:abc');
  });

  it('hashes content independently of key order and uid', () => {
    const a = record({ data: { species: 'Lion', count: 2 } });
    const b = record({ data: { count: 2, species: 'Lion' }, uid: 'x' });
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).not.toBe(contentHash(record({ data: { species: 'Lion', count: 3 } })));
  });

  it('tells apart objects whose keys join to the same text, and writes numbers as JSON does', () => {
    // Both key lists join to "a\0b\0c"; the second is checked against its own keys in another order.
    const first = contentHash(record({ data: { 'a\u0000b': 1, c: 2 } }));
    const second = contentHash(record({ data: { a: 1, 'b\u0000c': 2 } }));
    expect(second).toBe(contentHash(record({ data: { 'b\u0000c': 2, a: 1 } })));
    expect(second).not.toBe(first);
    expect(contentHash(record({ data: { n: Number.NaN, m: Infinity, z: -0 } }))).toBe(contentHash(record({ data: { n: null, m: null, z: 0 } })));
  });

  it('hashes each of many alternating shapes as the plain canonical JSON would', () => {
    // The first implementation, map and join: the faster one must write the same text.
    const canonical = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value);
      if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
      const members = Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
      return `{${members.join(',')}}`;
    };
    const expected = ({ uid: _uid, ...content }: SightingRecord) => createHash('sha256').update(canonical(content)).digest('hex');
    // More shapes than are remembered as recent, sharing their first key, their length or their keys in another order.
    const others = ['b', 'c', 'd', 'e'];
    const shapes = others.flatMap((second) => [[second], ...others.filter((third) => third !== second).map((third) => [second, third])].map((rest) => ['a', ...rest]));
    const records = [...shapes, ...[...shapes].reverse()].map((keys, n) => record({ data: Object.fromEntries(keys.map((key, k) => [key, n * 10 + k])) }));
    expect(records.map(contentHash)).toEqual(records.map(expected));
  });

  it('derives a stable uid for records without one', () => {
    const a = record();
    expect(sightingUid(a, contentHash(a))).toBe(sightingUid(record(), contentHash(record())));
    expect(sightingUid(a, contentHash(a))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sightingUid(record({ uid: '{ABC}' }), 'h')).toBe('{ABC}');
  });

  it('keeps the hashes stored sightings were compared with (a changed text would turn resends into revisions)', () => {
    const stored = record({ data: { species: 'Lion', count: 2, nested: [1, { b: 'x', a: null }], note: 'ünï "q"' } });
    const linked = { ...stored, data: { ...stored.data, photo: { attachment: 'p.jpg' } }, attachments: [{ name: 'p.jpg', contentType: 'image/jpeg', size: 3, sha256: 'ab' }] };
    // Values computed by the first implementation (map/join canonical JSON), before it was made faster.
    expect(contentHash(stored)).toBe('f4236238eda806e3aedd7fefddaccfd2298e111e07725ca097e9360a7a69897a');
    expect(dataHash(stored)).toBe('f4236238eda806e3aedd7fefddaccfd2298e111e07725ca097e9360a7a69897a');
    expect(dataHash(stored, contentHash(stored))).toBe('f4236238eda806e3aedd7fefddaccfd2298e111e07725ca097e9360a7a69897a');
    expect(contentHash(linked)).toBe('5bc5223eac586d33e012b512e130ee57a64e6cc76e20f9669ca478c8d82c6c01');
    expect(dataHash(linked)).toBe('eb0b087a83faef346cb3733c576685fa73df388daab038ff14059a945df280b0');
    expect(dataHash(linked, contentHash(linked))).toBe('eb0b087a83faef346cb3733c576685fa73df388daab038ff14059a945df280b0');
    expect(dataHash({ ...linked, attachments: [] }, contentHash({ ...linked, attachments: [] }))).toBe(dataHash({ ...linked, attachments: [] }));
  });
});
