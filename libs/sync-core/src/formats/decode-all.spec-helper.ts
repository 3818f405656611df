import { DecodedItem, FormatDecoder } from './format.js';

/** Feeds `bytes` to a decoder in pieces of `pieceSize` and collects what it yields. */
export async function decodeAll(decoder: FormatDecoder, bytes: Buffer, pieceSize = 4096): Promise<DecodedItem[]> {
  async function* pieces() {
    for (let offset = 0; offset < bytes.length; offset += pieceSize) yield bytes.subarray(offset, offset + pieceSize);
  }
  const items: DecodedItem[] = [];
  for await (const item of decoder.decode(pieces())) items.push(item);
  return items;
}
