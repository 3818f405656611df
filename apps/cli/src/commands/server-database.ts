import { existsSync } from 'node:fs';
import { CliError, EXIT } from '../output.js';

/**
 * The commands that open the server's embedded database stop where it is not: opening it would
 * make a new, empty one (and then find nothing in it). `whatToDo` says how to point at the right one.
 */
export function requireDatabaseFile(path: string, whatToDo: string): void {
  if (!existsSync(path)) throw new CliError(`no FieldSync database at ${path}: ${whatToDo}`, EXIT.usage);
}
