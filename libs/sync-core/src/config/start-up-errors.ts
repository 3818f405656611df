import { networkTrouble } from '../network-trouble.js';
import { ConfigError } from './config.js';
import { shownUrl } from './shown-url.js';

/**
 * A port that cannot be listened on, as the one sentence start-up stops with: which variable,
 * what is wrong, what to do.
 */
export function portProblem(error: unknown, variable: string, port: number, host: string): Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new ConfigError(variable, `port ${port} on ${host} is already in use by another program: stop it, or choose another ${variable}`);
  if (code === 'EACCES') return new ConfigError(variable, `port ${port} needs root or CAP_NET_BIND_SERVICE (ports below 1024): run as such, or choose a port from 1024 up`);
  if (code === 'EADDRNOTAVAIL') return new ConfigError('HOST', `${host} is not an address of this machine`);
  return error as Error;
}

/** A database that cannot be opened at start, in words naming DATABASE_URL (or DATA_DIR for SQLite). */
export function databaseProblem(error: unknown, database: { type: 'sqlite'; path: string } | { type: 'postgres'; url: string }): Error {
  const message = (error as Error)?.message ?? String(error);
  if (database.type === 'sqlite') {
    return new ConfigError('DATA_DIR', `the SQLite database ${database.path} cannot be opened (${message}): make the folder writable by FieldSync, or set DATA_DIR`);
  }
  const where = shownUrl(database.url);
  const trouble = networkTrouble(error);
  const code = String((error as { code?: unknown })?.code ?? '');
  const words = trouble
    ? `${trouble} at ${where}: is PostgreSQL running there?`
    : code === '28P01' || code === '28000'
      ? `PostgreSQL at ${where} refused the user name or password`
      : code === '3D000'
        ? `the database named in ${where} does not exist: create it (createdb) first`
        : `PostgreSQL at ${where} cannot be used: ${message}`;
  return new ConfigError('DATABASE_URL', words);
}
