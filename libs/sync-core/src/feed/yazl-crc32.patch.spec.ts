import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { patchYazlCrc32 } from './yazl-crc32.patch.js';

describe("yazl's checksum through zlib.crc32", () => {
  it('sums as buffer-crc32 did, in one piece and in running pieces', () => {
    const bufferCrc32 = createRequire(createRequire(import.meta.url).resolve('yazl'))('buffer-crc32') as { unsigned: (data: Buffer, previous?: number) => number };
    const original = bufferCrc32.unsigned;
    const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, index) => (index * 31) % 256));
    const expected = original(bytes);
    const running = original(bytes.subarray(50_000), original(bytes.subarray(0, 50_000)));
    patchYazlCrc32();
    try {
      expect(bufferCrc32.unsigned).not.toBe(original);
      expect(bufferCrc32.unsigned(bytes)).toBe(expected);
      expect(bufferCrc32.unsigned(bytes.subarray(50_000), bufferCrc32.unsigned(bytes.subarray(0, 50_000)))).toBe(running);
      expect(running).toBe(expected);
    } finally {
      bufferCrc32.unsigned = original;
    }
  });
});
