import { describe, expect, it } from 'vitest';
import { SightingRecord } from '../formats/format.js';
import { contentHash, normalizeUid, sightingUid } from './sighting-identity.js';

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

  it('derives a stable uid for records without one', () => {
    const a = record();
    expect(sightingUid(a, contentHash(a))).toBe(sightingUid(record(), contentHash(record())));
    expect(sightingUid(a, contentHash(a))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(sightingUid(record({ uid: '{ABC}' }), 'h')).toBe('{ABC}');
  });
});
