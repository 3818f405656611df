import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAll } from './decode-all.spec-helper.js';
import { detectFormat } from './registry.js';

const EXAMPLES = join(process.cwd(), 'examples');

/** The files in examples/ are what a newcomer tries first: each must be read whole. */
describe.each(readdirSync(EXAMPLES))('examples/%s', (name) => {
  it('is recognised and every record in it is read', async () => {
    const bytes = readFileSync(join(EXAMPLES, name));
    const decoder = detectFormat(bytes, name);
    expect(decoder, 'recognised').not.toBeNull();
    const items = await decodeAll(decoder!, bytes);
    expect(items.length).toBeGreaterThan(0);
    expect(items.filter((item) => item.reason)).toEqual([]);
  });
});
