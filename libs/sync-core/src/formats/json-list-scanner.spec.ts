import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonListScanner, ScannedPart } from './json-list-scanner.js';

/** Feeds `text` in chunks of `size` bytes (the last may be shorter) and collects every part. */
function scan(text: string | Buffer, size: number, maxValueBytes = 1 << 20): ScannedPart[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const scanner = new JsonListScanner('features', maxValueBytes);
  const parts: ScannedPart[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(...scanner.push(bytes.subarray(at, at + size)));
  const ending = scanner.end();
  if (ending) parts.push(ending);
  return parts;
}

const elements = (parts: ScannedPart[]) => parts.filter((part) => part.kind === 'element').map((part) => JSON.parse((part as { text: string }).text) as unknown);

describe('JsonListScanner', () => {
  it('cuts out every element of the list, whatever other members and chunk sizes surround it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 8 }), fc.jsonValue(), fc.integer({ min: 1, max: 64 }), (before, list, after, size) => {
        const text = JSON.stringify({ type: 'FeatureCollection', before, features: list, after }, null, size % 3 === 0 ? 2 : undefined);
        const parts = scan(text, size);
        // Elements come back as JSON.parse reads them (-0 is the one value JSON.stringify changes).
        expect(elements(parts)).toEqual(JSON.parse(JSON.stringify(list)));
        expect(parts.filter((part) => part.kind === 'syntax' || part.kind === 'not-a-list')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is not fooled by brackets, quotes and backslashes inside strings, split anywhere', () => {
    const tricky = [{ a: '}]"\\', b: ['[', '{'] }, '\\"', 'ünï©ødé 🦒', 12.5e-3, true, null];
    const text = JSON.stringify({ features: tricky });
    for (let size = 1; size <= text.length; size++) expect(elements(scan(text, size)), `chunks of ${size}`).toEqual(tricky);
  });

  it('says "not a list" when features is something else', () => {
    expect(scan('{"features": {"a": 1}}', 5).at(-1)).toEqual({ kind: 'not-a-list', message: '"features" is not a list' });
    expect(scan('{"features": null}', 5).at(-1)?.kind).toBe('not-a-list');
  });

  it('reports a syntax error after the elements before it', () => {
    const cut = scan('{"features": [{"a": 1}, {"b": 2}, {"c": ', 4);
    expect(elements(cut)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(cut.at(-1)).toEqual({ kind: 'syntax', message: 'the file ends before the JSON object does' });
    expect(scan('{"features": [1 2]}', 3).at(-1)).toMatchObject({ kind: 'syntax', message: 'expected "," or "]" after an element of "features"' });
    expect(scan('{"features": []} x', 3).at(-1)).toMatchObject({ kind: 'syntax', message: 'there is more after the end of the JSON object' });
    expect(scan('[1, 2]', 3).at(-1)).toMatchObject({ kind: 'syntax', message: 'the file does not start with a JSON object' });
    expect(scan('{"a": 1,}', 3).at(-1)).toMatchObject({ kind: 'syntax' });
  });

  it('refuses an element larger than its limit instead of holding it', () => {
    const big = JSON.stringify({ features: ['x'.repeat(10_000)] });
    expect(scan(big, 1000, 4096).at(-1)).toEqual({ kind: 'syntax', message: 'a value is larger than 4096 bytes' });
  });

  it('passes an empty list and members in any order', () => {
    expect(scan('{"features":[],"type":"FeatureCollection"}', 7).map((part) => part.kind)).toEqual(['other']);
    expect(elements(scan('{ "crs" : {"x":[1,{"y":"]"}]} , "features" : [ 1 , "2" , [3] ] }', 2))).toEqual([1, '2', [3]]);
  });
});
