import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { detectFormat } from './registry.js';
import { decodeAll } from './decode-all.spec-helper.js';
import { zipCsvDecoder } from './zip-csv.decoder.js';

/** Builds a zip with Python's zipfile (a reference writer), entries given as name → bytes. */
function zipOf(script: string): Buffer {
  return execFileSync('python3', ['-c', `import zipfile, io, sys\nb = io.BytesIO()\nz = zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED)\n${script}\nz.close()\nsys.stdout.buffer.write(b.getvalue())`]);
}

const JPEG = "b'\\xff\\xd8\\xff\\xe0' + b'\\x00' * 500 + b'\\xff\\xd9'";

describe('zip of CSVs plus media', () => {
  it('reads every CSV and turns cells naming a file in the zip into attachments', async () => {
    const zip = zipOf(
      [
        `z.writestr('export/day1.csv', 'id,deviceId,timestamp,latitude,longitude,Species,Photo\\nz1,d1,2026-03-01T10:00:00+02:00,-24.1,31.5,Lion,lion.jpg\\n')`,
        `z.writestr('export/day2.csv', 'id,latitude,longitude,Species\\nz2,-24.2,31.6,Kudu\\nz3,95,31.7,Eland\\n')`,
        `z.writestr('export/media/lion.jpg', ${JPEG})`,
      ].join('\n'),
    );
    expect(detectFormat(zip, null)?.name).toBe('zip-csv');
    const items = await decodeAll(zipCsvDecoder, zip);
    expect(items.map((item) => item.record?.uid ?? item.reason)).toEqual(['z1', 'z2', 'z3']);
    expect(items[0].record?.attachmentFiles?.map((file) => [file.name, file.contentType, file.bytes.length])).toEqual([['lion.jpg', 'image/jpeg', 506]]);
    expect(items[0].record?.data.Photo).toEqual({ attachment: 'lion.jpg' });
    expect(items.map((item) => item.index)).toEqual([0, 1, 2]);
  });

  it('refuses a zip bomb quickly, before unpacking it', async () => {
    const bomb = zipOf(`z.writestr('huge.csv', b'0' * (300 * 1024 * 1024))`);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    // Refused from the sizes the zip declares: nothing is inflated (the message names them).
    await expect(decodeAll(zipCsvDecoder, bomb)).rejects.toThrow(/expands to 314572800 bytes .* possible zip bomb/);
  });
});
