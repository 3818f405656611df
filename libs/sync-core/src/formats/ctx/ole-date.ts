const OLE_EPOCH_MS = Date.UTC(1899, 11, 30);
const MS_PER_DAY = 86_400_000;

/**
 * CyberTracker stores times as OLE Automation dates: days since 1899-12-30, the fraction being
 * the time of day, in the device's local time with no offset. The result is ISO-8601 local time
 * without an offset, to the millisecond, so nothing is invented about the time zone.
 */
export function oleDateToIso(days: number): string | null {
  if (!Number.isFinite(days) || days < -657434 || days > 2958465) return null;
  const iso = new Date(OLE_EPOCH_MS + Math.round(days * MS_PER_DAY)).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) : iso.slice(0, -1);
}

/** A date element (whole days) and a time element (fraction of a day) make one moment. */
export function combineDateAndTime(dateDays: number, timeFraction: number | null): number {
  const time = timeFraction === null ? 0 : timeFraction - Math.floor(timeFraction);
  return Math.floor(dateDays) + time;
}
