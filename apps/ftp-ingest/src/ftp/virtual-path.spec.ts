import { describe, expect, it } from 'vitest';
import { RefusedPathError, resolveVirtualPath } from './virtual-path.js';

describe('resolveVirtualPath', () => {
  it('resolves relative and absolute paths inside the device folder', () => {
    expect(resolveVirtualPath('/', 'CTData/a.CTX')).toBe('/CTData/a.CTX');
    expect(resolveVirtualPath('/CTData', 'a.CTX')).toBe('/CTData/a.CTX');
    expect(resolveVirtualPath('/CTData', '/b.json')).toBe('/b.json');
    expect(resolveVirtualPath('/CTData', '../b.json')).toBe('/b.json');
    expect(resolveVirtualPath('/CTData', './x//y')).toBe('/CTData/x/y');
    expect(resolveVirtualPath('/', '100% done.json')).toBe('/100% done.json');
  });

  it.each([['../etc/passwd'], ['..%2f..%2fetc%2fpasswd'], ['/../x'], ['CTData/../../x'], ['a\\..\\b'], ['bad\u0000name'], ['...'], ['CTData/....'], ['x'.repeat(300)]])('refuses %j', (path) => {
    expect(() => resolveVirtualPath('/', path)).toThrow(RefusedPathError);
  });
});
