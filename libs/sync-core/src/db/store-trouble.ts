/**
 * A failure of the database or its disk that goes away on its own — the server restarts, space
 * is freed — as opposed to a fault in the data. Doors answer it with "send again later" (HTTP
 * 503/507, FTP 451/452) and the consolidator keeps the batch for a later attempt instead of
 * marking it failed.
 */
export type StoreTrouble = 'full' | 'unavailable';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// PostgreSQL SQLSTATEs: 08 connection exceptions, 53 insufficient resources (53100 disk full),
// 57P01-03 the server shutting down or starting, 40001/40P01 serialization failure and deadlock.
const POSTGRES_UNAVAILABLE = /^(08...|53...|57P0[123]|40001|40P01)$/;
const DROPPED_CONNECTION = /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection|Client was closed/i;

export function storeTrouble(error: unknown): StoreTrouble | null {
  // TypeORM wraps the driver's error (driverError); pg and better-sqlite3 put the code on it.
  const layers = [error, (error as { driverError?: unknown })?.driverError, (error as { cause?: unknown })?.cause];
  for (const layer of layers) {
    if (!layer || typeof layer !== 'object') continue;
    const code = String((layer as { code?: unknown }).code ?? '');
    if (code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC') return 'full';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return 'unavailable';
    if (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code)) return 'unavailable';
    if (DROPPED_CONNECTION.test((layer as Error).message ?? '')) return 'unavailable';
  }
  return null;
}

/** What a client is told, in words: nothing was stored, and when to try again. */
export function storeTroubleMessage(trouble: StoreTrouble): string {
  return trouble === 'full'
    ? "the server's disk is full, so the file was not stored; send it again later (administrator: free space for DATA_DIR, BLOB_DIR or the database)"
    : "the server's database cannot be reached right now, so the file was not stored; send it again in a minute";
}
