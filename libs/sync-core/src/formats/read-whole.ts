import { UnreadableFileError } from './format.js';

/** For formats that need the whole file at once: reads it, refusing more than `limit` bytes. */
export async function readWhole(bytes: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of bytes) {
    size += piece.length;
    if (size > limit) throw new UnreadableFileError(`${what} is larger than ${limit} bytes, the most read at once; split it into several files`);
    pieces.push(piece);
  }
  return Buffer.concat(pieces, size);
}
