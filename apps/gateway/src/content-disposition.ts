/**
 * `Content-Disposition: attachment` for a file name of any script (RFC 6266): an ASCII fallback
 * for old clients, and the name itself as `filename*=UTF-8''…` (RFC 8187). A name outside Latin-1
 * put into a header as it is makes Node throw, which answered 500 for such attachments.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
