import { Readable } from 'node:stream';
import yauzl, { Entry, ZipFile } from 'yauzl';
import { sniffMedia } from './attachment-sniff.js';
import { decodeCsv } from './csv.decoder.js';
import { AttachmentFile, DecodedItem, FormatDecoder, UnreadableFileError } from './format.js';
import { readWhole } from './read-whole.js';

const MAX_ZIP_BYTES = 64 * 1024 * 1024;
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
const MAX_TOTAL_BYTES = 256 * 1024 * 1024;
const MAX_RATIO = 200;
const MAX_ENTRIES = 10_000;

function openZip(buffer: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (error, zip) => (error ? reject(error) : resolve(zip!))));
}

function entriesOf(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      if (entries.length > MAX_ENTRIES) {
        zip.close();
        reject(new UnreadableFileError(`the zip holds more than ${MAX_ENTRIES} files`));
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

function entryStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream!))));
}

async function entryBytes(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of await entryStream(zip, entry)) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

/**
 * A zip of CSV files plus the photos and recordings they name. Refused before anything is
 * unpacked when the sizes it declares are too large or expand too far (zip bombs); yauzl checks
 * each entry's real size against what it declares.
 */
export const zipCsvDecoder: FormatDecoder = {
  name: 'zip-csv',

  detectContent(head) {
    return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
  },

  detectFileName(fileName) {
    return /\.zip$/i.test(fileName);
  },

  async *decode(bytes): AsyncGenerator<DecodedItem> {
    const buffer = await readWhole(bytes, MAX_ZIP_BYTES, 'the zip file');
    let zip: ZipFile;
    let entries: Entry[];
    try {
      zip = await openZip(buffer);
      entries = (await entriesOf(zip)).filter((entry) => !entry.fileName.endsWith('/'));
    } catch (error) {
      throw new UnreadableFileError(error instanceof UnreadableFileError ? error.message : `not a readable zip file: ${(error as Error).message}`);
    }
    const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
    const largest = entries.reduce((max, entry) => Math.max(max, entry.uncompressedSize), 0);
    if (largest > MAX_ENTRY_BYTES || declared > MAX_TOTAL_BYTES || declared > MAX_RATIO * Math.max(buffer.length, 64 * 1024)) {
      throw new UnreadableFileError(
        `the zip expands to ${declared} bytes (largest file ${largest}); refused as a possible zip bomb (limits: ${MAX_ENTRY_BYTES} per file, ${MAX_TOTAL_BYTES} in all, ${MAX_RATIO}× the zip)`,
      );
    }
    const csvEntries = entries.filter((entry) => /\.csv$/i.test(entry.fileName));
    if (csvEntries.length === 0) throw new UnreadableFileError('the zip holds no .csv file');
    try {
      const media = new Map<string, AttachmentFile>();
      for (const entry of entries) {
        if (csvEntries.includes(entry)) continue;
        const content = await entryBytes(zip, entry);
        const kind = sniffMedia(content);
        const name = entry.fileName.split('/').pop()!;
        if (kind) media.set(name, { name, contentType: kind.contentType, bytes: content });
      }
      let offset = 0;
      for (const entry of csvEntries) {
        let last = -1;
        for await (const item of decodeCsv(await entryStream(zip, entry), { media })) {
          last = item.index;
          yield { ...item, index: offset + item.index, ...(item.reason ? { reason: `${entry.fileName}: ${item.reason}` } : {}) } as DecodedItem;
        }
        offset += last + 1;
      }
    } catch (error) {
      if (error instanceof UnreadableFileError) throw error;
      throw new UnreadableFileError(`the zip cannot be read: ${(error as Error).message}`);
    } finally {
      zip.close();
    }
  },
};
