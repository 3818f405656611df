/** The file a field names (`{ attachment: name }`, as every format stores a photo or recording field), or null. */
export function namedFile(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const name = (value as { attachment?: unknown }).attachment;
  return Object.keys(value).length === 1 && typeof name === 'string' ? name : null;
}

/** A value as one short line: a file by its name, a list as words, "—" for none. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map(valueText).join(', ');
  if (typeof value === 'object') return namedFile(value) ?? JSON.stringify(value);
  return String(value);
}
