import { describe, expect, it } from 'vitest';
import { versionFromRow, versionJson } from './sighting.repository.js';

// A version as each database hands it back: PostgreSQL with booleans and numbers, SQLite with 1/0
// and, for a bigint, a string.
const ROWS: Record<string, Record<string, unknown>> = {
  postgres: {
    project_id: 'p',
    uid: 'ct-1:"quoted"\u2028',
    seq: '42',
    revision: 2,
    device_id: null,
    kind: 'sighting',
    observed_at: '2026-03-01T08:00:00.000Z',
    latitude: -24.1,
    longitude: 31.5,
    altitude: null,
    accuracy: Number.NaN,
    data: JSON.stringify({ Species: 'Lion', Count: 3, note: 'line\nbreak "é"' }),
    attachments: JSON.stringify([{ name: 'a.jpg', sha256: 'ab' }]),
    deleted: true,
    batch_id: 'b',
    review_state: 'edited',
    changed_by: 'Ada "the manager"',
    change_reason: 'species was misread',
    received_at: '2026-03-01T08:00:01.000Z',
  },
  sqlite: {
    project_id: 'p',
    uid: 'u',
    seq: 7,
    revision: '1',
    device_id: 'ct-2',
    kind: 'track',
    observed_at: null,
    latitude: null,
    longitude: null,
    altitude: 12.5,
    accuracy: 3,
    data: '{}',
    attachments: '[]',
    deleted: 0,
    batch_id: 'b2',
    received_at: '2026-03-01T08:00:02.000Z',
  },
};

describe('versionJson', () => {
  for (const [store, row] of Object.entries(ROWS)) {
    it(`writes what versionFromRow reads, uid as id and first (${store} row)`, () => {
      // A delivery shows a version as the feed does: who corrected it stays in the history.
      const { uid, changedBy: _by, changeReason: _why, ...rest } = versionFromRow(row);
      // Byte for byte what JSON.stringify of the parsed version writes (NaN as null, escapes and all).
      expect(versionJson(row)).toBe(JSON.stringify({ id: uid, ...rest }));
    });
  }
});
