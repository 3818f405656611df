import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';

/**
 * yazl checksums every byte it zips with buffer-crc32, a JavaScript loop (~180 MB/s here, on the
 * thread that also writes the rows); Node's own zlib.crc32 does the same sum at ~2 GB/s. yazl calls
 * it as `crc32.unsigned(chunk, previous)` on the module it required, so that one function is
 * replaced, for yazl's copy of the module. The XLSX and zip downloads gained a quarter of their
 * speed (bench/README.md).
 */
let patched = false;

export function patchYazlCrc32(): void {
  if (patched) return;
  patched = true;
  const fromYazl = createRequire(createRequire(import.meta.url).resolve('yazl'));
  const bufferCrc32 = fromYazl('buffer-crc32') as { unsigned: (data: Buffer, previous?: number) => number };
  bufferCrc32.unsigned = (data, previous) => crc32(data, typeof previous === 'number' ? previous : 0);
}
