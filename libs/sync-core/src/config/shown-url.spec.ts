import { describe, expect, it } from 'vitest';
import { shownUrl } from './shown-url.js';

describe('shownUrl', () => {
  it('never shows a password, and leaves a URL without one as it is', () => {
    expect(shownUrl('redis://:s3cret@redis:6379/2')).toBe('redis://…@redis:6379/2');
    expect(shownUrl('postgres://fieldsync:pw@db:5432/fieldsync')).toBe('postgres://…@db:5432/fieldsync');
    expect(shownUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
