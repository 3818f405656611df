import { describe, expect, it } from 'vitest';
import { attachmentDisposition } from './content-disposition.js';

describe('attachmentDisposition', () => {
  it('keeps a name of any script in filename*, with an ASCII fallback a header can carry', () => {
    const header = attachmentDisposition('f😂le3صادق "x".jpg');
    expect(header).toBe(`attachment; filename="f_le3____ _x_.jpg"; filename*=UTF-8''f%F0%9F%98%82le3%D8%B5%D8%A7%D8%AF%D9%82%20%22x%22.jpg`);
    expect(decodeURIComponent(/filename\*=UTF-8''(.*)$/.exec(header)![1]!)).toBe('f😂le3صادق "x".jpg');
    // Every character a header may hold: no exception from Node's header check.
    expect(/^[\x20-\x7e]*$/.test(header)).toBe(true);
  });

  it('escapes what RFC 8187 reserves (quote, parentheses, star)', () => {
    expect(attachmentDisposition("it's (1)*.csv")).toContain("filename*=UTF-8''it%27s%20%281%29%2A.csv");
  });
});
