import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { AttachmentRef } from '../db/entities/index.js';
import type { SightingView } from './sighting-formats.js';
import { patchYazlCrc32 } from './yazl-crc32.patch.js';

/** Opens a stored attachment of the project by its sha256; throws when it is not stored (yet). */
export type MediaOpener = (sha256: string) => Promise<AsyncIterable<Buffer>>;

/**
 * The media files a zip download holds, found while its CSV is written: each file once, under
 * `media/`, its name prefixed by the start of its hash so two photos both called Photo.jpg stay apart.
 */
export class MediaIndex {
  readonly paths = new Map<string, string>();

  /** The attachments cell of a row: where each of its files is in the zip. */
  cell = (view: SightingView): string => (view.attachments as AttachmentRef[]).map((attachment) => this.pathOf(attachment)).join('; ');

  private pathOf(attachment: AttachmentRef): string {
    let path = this.paths.get(attachment.sha256);
    if (!path) {
      path = `media/${attachment.sha256.slice(0, 12)}-${attachment.name.replace(/[^\w.-]+/g, '_').slice(0, 100)}`;
      this.paths.set(attachment.sha256, path);
    }
    return path;
  }
}

/**
 * `sightings.csv`, then every file it names: zipped while it streams, the files read one after
 * another from the store once the CSV is complete (only then is the list known). A file the
 * records name but the server does not hold (not sent yet) is listed in `media/MISSING.txt`.
 */
export function csvWithMedia(csv: AsyncIterable<string>, media: MediaIndex, open: MediaOpener): AsyncIterable<Buffer> {
  patchYazlCrc32();
  const zip = new ZipFile();
  const sheet = Readable.from(csv);
  const addMedia = async () => {
    const missing: string[] = [];
    try {
      for (const [sha256, path] of media.paths) {
        const bytes = await open(sha256).catch(() => null);
        if (bytes) zip.addReadStream(Readable.from(bytes), path);
        else missing.push(`${path} (sha256 ${sha256}): not on the server yet`);
      }
      if (missing.length > 0) zip.addBuffer(Buffer.from(`${missing.join('\n')}\n`), 'media/MISSING.txt');
    } finally {
      zip.end();
    }
  };
  sheet.once('end', () => void addMedia());
  sheet.once('error', (error) => (zip.outputStream as unknown as Readable).destroy(error));
  zip.addReadStream(sheet, 'sightings.csv');
  return zip.outputStream as unknown as AsyncIterable<Buffer>;
}
