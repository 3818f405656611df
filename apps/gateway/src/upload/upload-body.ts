import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import busboy from 'busboy';
import { Request } from 'express';
import { cleanPartName } from '@fieldsync/sync-core';

/** A request body the gateway cannot take, with the HTTP status that says why. */
export class BadUploadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadedFile {
  /** The part's form field name. */
  field: string;
  fileName: string | null;
  contentType: string;
  body: AsyncIterable<Buffer>;
}

/** RFC 1950: a zlib stream starts with a CMF/FLG pair whose value is a multiple of 31. */
export function hasZlibHeader(first: Buffer): boolean {
  return first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
}

/** Bodies that inflate to at most this much are never refused for their ratio. */
const RATIO_FREE_BYTES = 16 * 1024 * 1024;

async function* inflated(body: AsyncIterable<Buffer>, encoding: string, maxRatio: number): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = { [Symbol.asyncIterator]: () => iterator };
  let compressed = 0;
  async function* whole() {
    compressed += first.value.length;
    yield first.value;
    for await (const piece of rest) {
      compressed += piece.length;
      yield piece;
    }
  }
  // CyberTracker sends "deflate" both raw (RFC 1951) and zlib-wrapped (RFC 1950): look before choosing.
  const decompressor = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'br' ? createBrotliDecompress() : hasZlibHeader(first.value) ? createInflate() : createInflateRaw();
  const source = Readable.from(whole());
  source.on('error', (error) => decompressor.destroy(error));
  let inflatedBytes = 0;
  try {
    for await (const piece of source.pipe(decompressor) as AsyncIterable<Buffer>) {
      inflatedBytes += piece.length;
      // A small body that inflates without end (a "zip bomb") is refused while it grows, before it is written out.
      if (inflatedBytes > RATIO_FREE_BYTES + maxRatio * compressed) {
        source.destroy();
        throw new BadUploadError(413, `the body inflates more than ${maxRatio} times its compressed size (MAX_COMPRESSION_RATIO); send it uncompressed or in smaller files`);
      }
      yield piece;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new BadUploadError(400, `the body is not valid ${encoding} data (${(error as Error).message}); send it uncompressed or fix Content-Encoding`);
    }
    throw error;
  }
}

export function decodedBody(body: AsyncIterable<Buffer>, contentEncoding: string | undefined, maxRatio: number): AsyncIterable<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (['gzip', 'x-gzip', 'deflate', 'br'].includes(encoding)) return inflated(body, encoding, maxRatio);
  throw new BadUploadError(415, `Content-Encoding "${encoding}" is not supported; use gzip, deflate or none`);
}

/**
 * Hands each file part of a multipart/form-data request to `accept`, one after another, while
 * the request is still arriving. Non-file fields are ignored.
 */
export async function forEachMultipartFile(request: Request, body: AsyncIterable<Buffer>, maxParts: number, accept: (file: UploadedFile) => Promise<void>): Promise<number> {
  let parser: busboy.Busboy;
  try {
    // Clients send part names as raw UTF-8 (OkHttp, Qt, curl); busboy's default reads them as Latin-1.
    parser = busboy({ headers: request.headers, defParamCharset: 'utf8', limits: { files: maxParts, fields: 100, fieldSize: 64 * 1024 } });
  } catch (error) {
    throw new BadUploadError(400, `the multipart body cannot be read: ${(error as Error).message}`);
  }
  let count = 0;
  let chain = Promise.resolve();
  let failure: Error | null = null;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('file', (field, stream, info) => {
      count++;
      chain = chain.then(async () => {
        if (failure) return void stream.resume();
        try {
          await accept({ field, fileName: cleanPartName(info.filename), contentType: info.mimeType, body: stream });
        } catch (error) {
          failure ??= error as Error;
          stream.resume();
        }
      });
    });
    parser.on('filesLimit', () => (failure ??= new BadUploadError(413, `more than ${maxParts} files in one request; send them in several requests`)));
    parser.on('error', (error) => reject(new BadUploadError(400, `the multipart body cannot be read: ${(error as Error).message}`)));
    parser.on('close', resolve);
  });
  const source = Readable.from(body);
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);
  await done.catch((error) => {
    if (!failure) throw error;
  });
  await chain;
  if (failure) throw failure;
  return count;
}

/** Reads a small body whole, refusing it (413) past `limit` bytes; `what` names it in the message. */
export async function readUpTo(body: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of body) {
    size += piece.length;
    if (size > limit) throw new BadUploadError(413, `${what} is larger than ${limit} bytes`);
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}
