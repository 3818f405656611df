/**
 * Adds `step` to the count kept for `key` and returns the new count; a count that reaches 0 is
 * forgotten, so a map of open sessions or streams per caller holds only those with some open.
 */
export function addToCount(counts: Map<string, number>, key: string, step: number): number {
  const next = (counts.get(key) ?? 0) + step;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
  return next;
}
