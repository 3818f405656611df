#!/usr/bin/env node
// The `fieldsync` command line: upload, download, import, test-connection, admin (to come).
const [command] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h') {
  process.stdout.write('usage: fieldsync <command>\n\nThe command line is being built; meanwhile use the HTTP API (see README).\n');
  process.exit(0);
}
process.stderr.write(`fieldsync: unknown command "${command}"; run fieldsync --help\n`);
process.exit(2);
