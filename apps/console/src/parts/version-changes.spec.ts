import { describe, expect, it } from 'vitest';
import { valueText } from './field-text';
import { changesBetween, ComparedVersion } from './version-changes';

const version = (changes: Partial<ComparedVersion> = {}): ComparedVersion => ({
  kind: 'sighting',
  deviceId: 'ct-7',
  observedAt: '2026-03-01T10:00:00+02:00',
  latitude: -24.1,
  longitude: 31.5,
  altitude: null,
  accuracy: 4,
  deleted: false,
  data: { Species: 'Lion', Count: 1 },
  attachments: [],
  ...changes,
});

describe('the changes between two versions of a sighting', () => {
  it('names each changed, added and removed field with its values before and after', () => {
    const older = version({ data: { Species: 'Lion', Count: 1, Notes: 'near the dam' } });
    const newer = version({ data: { Species: 'Lion', Count: 2, Behaviour: ['feeding', 'resting'] } });
    expect(changesBetween(older, newer)).toEqual(['Count: 1 → 2', 'Behaviour: — → feeding, resting', 'Notes: near the dam → —']);
  });

  it('names a new time, place, kind and deletion, and files that arrived', () => {
    const photo = { name: 'Photo.jpg', contentType: 'image/jpeg', size: 10, sha256: 'a'.repeat(64) };
    const older = version({ data: { Photo: { attachment: 'Photo.jpg' } } });
    const newer = version({
      kind: 'waypoint',
      observedAt: '2026-03-02T10:00:00+02:00',
      latitude: -24.2,
      accuracy: 6,
      deleted: true,
      data: { Photo: { attachment: 'Photo.jpg' } },
      attachments: [photo],
    });
    expect(changesBetween(older, newer)).toEqual([
      'kind: sighting → waypoint',
      'observed: 2026-03-01T10:00:00+02:00 → 2026-03-02T10:00:00+02:00',
      'position: -24.1, 31.5 → -24.2, 31.5',
      'accuracy: 4 → 6',
      'deleted',
      'files added: Photo.jpg',
    ]);
  });

  it('finds nothing between equal versions, and writes a file field by its name', () => {
    expect(changesBetween(version(), version())).toEqual([]);
    expect(valueText({ attachment: 'Call.mp3' })).toBe('Call.mp3');
    expect(valueText({ a: 1 })).toBe('{"a":1}');
  });
});
