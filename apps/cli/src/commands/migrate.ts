import { resolve } from 'node:path';
import { copyDatabase, Database, loadConfig, shownUrl } from '@fieldsync/sync-core';
import { CliError, EXIT, Output } from '../output.js';
import { requireDatabaseFile } from './server-database.js';

/**
 * `fieldsync admin migrate --to postgres://…`: moves an embedded database (DATA_DIR's, or
 * --from) into a new PostgreSQL database, every row in one transaction, then checks that both
 * sides hold the same counts and feed cursors. FieldSync must be stopped meanwhile.
 */
export async function migrateToPostgres(to: string, from: string | undefined, output: Output) {
  if (!/^postgres(ql)?:\/\//.test(to)) throw new CliError(`--to must be a postgres://user:password@host:5432/database URL`, EXIT.usage);
  const path = from ? resolve(from) : defaultSqlitePath();
  requireDatabaseFile(path, 'give --from FILE, or run this in the folder the server runs in');
  const source = await Database.open({ type: 'sqlite', path });
  let target: Database | null = null;
  try {
    target = await Database.open({ type: 'postgres', url: to }).catch((error: Error) => {
      throw new CliError(`cannot open ${shownUrl(to)}: ${error.message}`, EXIT.unreachable);
    });
    const report = await copyDatabase(source, target, (table, rows) => output.info(`${table}: ${rows} rows`)).catch((error: Error) => {
      throw new CliError(`nothing was copied: ${error.message}`, EXIT.incomplete);
    });
    output.info(`copied; both sides hold the same rows and feed cursors. Set DATABASE_URL to the new database and start FieldSync.`);
    return { from: path, ...report };
  } finally {
    await source.close();
    await target?.close();
  }
}

function defaultSqlitePath(): string {
  const config = loadConfig();
  if (config.database.type !== 'sqlite') throw new CliError('DATABASE_URL names PostgreSQL already: give --from FILE for the embedded database to copy', EXIT.usage);
  return config.database.path;
}
