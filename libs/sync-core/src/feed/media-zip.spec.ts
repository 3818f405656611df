import { describe, expect, it } from 'vitest';
import { csvWithMedia, MediaIndex } from './media-zip.js';
import type { SightingView } from './sighting-formats.js';
import { entriesOf } from './zip-entries.spec-helper.js';

describe('the zip of a CSV and its media', () => {
  it('holds each file once under media/, and lists the files the server does not hold yet', async () => {
    const index = new MediaIndex();
    const photo = { name: 'Photo 1.jpg', contentType: 'image/jpeg', size: 5, sha256: 'a'.repeat(64) };
    const later = { name: 'Call.mp3', contentType: 'audio/mpeg', size: 9, sha256: 'b'.repeat(64) };
    const cells = [index.cell({ attachments: [photo] } as SightingView), index.cell({ attachments: [photo, later] } as SightingView)];
    expect(cells).toEqual(['media/aaaaaaaaaaaa-Photo_1.jpg', 'media/aaaaaaaaaaaa-Photo_1.jpg; media/bbbbbbbbbbbb-Call.mp3']);
    async function* csv() {
      yield 'id,attachments\n';
      yield `a,${cells[0]}\n`;
    }
    const open = async (sha256: string) => {
      if (sha256 !== photo.sha256) throw new Error('not stored');
      return (async function* () {
        yield Buffer.from('photo');
      })();
    };
    const entries = await entriesOf(csvWithMedia(csv(), index, open));
    expect(Object.keys(entries)).toEqual(['sightings.csv', 'media/aaaaaaaaaaaa-Photo_1.jpg', 'media/MISSING.txt']);
    expect(entries['media/aaaaaaaaaaaa-Photo_1.jpg']).toBe('photo');
    expect(entries['media/MISSING.txt']).toMatch(/^media\/bbbbbbbbbbbb-Call\.mp3 \(sha256 b{64}\): not on the server yet\n$/);
  });
});
