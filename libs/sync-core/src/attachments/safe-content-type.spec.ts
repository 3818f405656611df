import { describe, expect, it } from 'vitest';
import { safeContentType } from './safe-content-type.js';

describe('safeContentType', () => {
  it.each([
    ['image/jpeg', 'image/jpeg'],
    ['IMAGE/PNG', 'image/png'],
    ['audio/mp4', 'audio/mp4'],
    ['text/csv; charset=utf-8', 'text/csv'],
    ['application/pdf', 'application/pdf'],
  ])('keeps %s', (declared, served) => {
    expect(safeContentType(declared)).toBe(served);
  });

  it.each(['text/html', 'image/svg+xml', 'application/javascript', 'text/xml', '', 'application/x-shockwave-flash'])('serves %s as bytes', (declared) => {
    expect(safeContentType(declared)).toBe('application/octet-stream');
  });
});
