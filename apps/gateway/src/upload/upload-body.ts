import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import busboy from 'busboy';
import { Request } from 'express';

/** A request body the gateway cannot take, with the HTTP status that says why. */
export class BadUploadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface UploadedFile {
  fileName: string | null;
  body: AsyncIterable<Buffer>;
}

/** Only the last path segment of a client-given name is kept, without control characters. */
export function cleanFileName(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const base = raw.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return base && !/^\.+$/.test(base) ? base : null;
}

/** RFC 1950: a zlib stream starts with a CMF/FLG pair whose value is a multiple of 31. */
export function hasZlibHeader(first: Buffer): boolean {
  return first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0;
}

async function* inflated(body: AsyncIterable<Buffer>, encoding: string): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = { [Symbol.asyncIterator]: () => iterator };
  async function* whole() {
    yield first.value;
    yield* rest;
  }
  // CyberTracker sends "deflate" both raw (RFC 1951) and zlib-wrapped (RFC 1950): look before choosing.
  const decompressor =
    encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip()
    : encoding === 'br' ? createBrotliDecompress()
    : hasZlibHeader(first.value) ? createInflate() : createInflateRaw();
  const source = Readable.from(whole());
  source.on('error', (error) => decompressor.destroy(error));
  try {
    yield* source.pipe(decompressor) as AsyncIterable<Buffer>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new BadUploadError(400, `the body is not valid ${encoding} data (${(error as Error).message}); send it uncompressed or fix Content-Encoding`);
    }
    throw error;
  }
}

export function decodedBody(body: AsyncIterable<Buffer>, contentEncoding: string | undefined): AsyncIterable<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (['gzip', 'x-gzip', 'deflate', 'br'].includes(encoding)) return inflated(body, encoding);
  throw new BadUploadError(415, `Content-Encoding "${encoding}" is not supported; use gzip, deflate or none`);
}

/**
 * Hands each file part of a multipart/form-data request to `accept`, one after another, while
 * the request is still arriving. Non-file fields are ignored.
 */
export async function forEachMultipartFile(
  request: Request, body: AsyncIterable<Buffer>, maxParts: number, accept: (file: UploadedFile) => Promise<void>,
): Promise<number> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: request.headers, limits: { files: maxParts, fields: 100, fieldSize: 64 * 1024 } });
  } catch (error) {
    throw new BadUploadError(400, `the multipart body cannot be read: ${(error as Error).message}`);
  }
  let count = 0;
  let chain = Promise.resolve();
  let failure: Error | null = null;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('file', (_field, stream, info) => {
      count++;
      chain = chain.then(async () => {
        if (failure) return void stream.resume();
        try {
          await accept({ fileName: cleanFileName(info.filename), body: stream });
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
