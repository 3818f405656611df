/**
 * A client-given file name as FieldSync keeps it: the last path segment, without control
 * characters, at most 255 characters; null when nothing usable is left ("", ".", "..").
 * Every door that takes a name from a client (upload, multipart part, OpenRosa attachment,
 * form media) goes through this one function.
 */
export function cleanPartName(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const base = raw
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255);
  return base && !/^\.+$/.test(base) ? base : null;
}
