#!/usr/bin/env node
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import 'reflect-metadata';
import { Command, CommanderError, Option } from 'commander';
import { adminCommands, AdminApi } from './commands/admin.js';
import { download } from './commands/download.js';
import { importFolder } from './commands/import.js';
import { migrateToPostgres } from './commands/migrate.js';
import { exitCodeOf, filesIn, parseInterval, sendFiles, watchOutbox } from './commands/upload.js';
import { CliError, EXIT, Output } from './output.js';
import { serverUrl } from './server-url.js';
import { uploadTarget } from './targets/target-for-address.js';

const program = new Command('fieldsync')
  // Commander exits 1 on wrong usage by itself; thrown instead, it exits with the documented 2 below.
  .exitOverride()
  .description('FieldSync command line: send field data, download consolidated sightings, administer projects.')
  .addOption(new Option('--json', 'print one JSON document per result, for scripts'))
  .addHelpText(
    'after',
    `
Exit codes: 0 all done; 1 something was not sent or not done; 2 wrong usage; 3 server or folder unreachable; 4 login or token refused; 5 the server rejected a file (nothing in it could be read: not sent again).
Environment: FIELDSYNC_DEVICE (LOGIN:SECRET for uploads), FIELDSYNC_URL and FIELDSYNC_TOKEN (admin and download).`,
  );

const output = () => new Output(Boolean(program.opts().json));

program
  .command('upload')
  .description('send files to a gateway (http[s]://host:port), an FTP site (ftp[s]://login:secret@host:port/CTData) or a folder')
  .argument('[paths...]', 'files and folders to send')
  .requiredOption('--to <url>', 'where to send')
  .option('--device <login:secret>', 'device credentials for a gateway (or FIELDSYNC_DEVICE)')
  .option('--retries <n>', 'tries per file after the first', '3')
  .option('--watch <outbox>', 'keep sending new files from this folder; sent files move to OUTBOX/sent/')
  .option('--every <interval>', 'with --watch: how often to look (e.g. 30s, 5m)', '5m')
  .action(async (paths: string[], options: { to: string; device?: string; retries: string; watch?: string; every: string }) => {
    const out = output();
    const target = uploadTarget(options.to, options.device);
    const retries = Number(options.retries);
    if (options.watch) {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      out.info(`watching ${options.watch}, sending to ${target.description} every ${options.every}`);
      await watchOutbox(target, options.watch, parseInterval(options.every), retries, out, stop.signal);
      return;
    }
    if (paths.length === 0) throw new CliError('give files or folders to send (or --watch OUTBOX)', EXIT.usage);
    const report = await sendFiles(target, await filesIn(paths), retries, out);
    await target.close();
    out.result(report);
    if (report.failed.length > 0) throw new CliError(`${report.failed.length} of ${report.sent.length + report.failed.length} files not sent`, exitCodeOf(report));
  });

program
  .command('download')
  .description(
    "download a project's sightings; with --state, each run appends only what changed since the last. An edited sighting " +
      'is appended again with the same id and a higher revision (a removed one with deleted=true): keep the highest revision ' +
      'per id. A first run (no state file) holds each sighting once, at its latest revision.',
  )
  .requiredOption('--from <url>', 'the gateway, http(s)://host:port (or FIELDSYNC_URL)', process.env.FIELDSYNC_URL)
  .requiredOption('--project <slug>')
  .option('--token <token>', 'admin token (or FIELDSYNC_TOKEN)', process.env.FIELDSYNC_TOKEN)
  .requiredOption('--out <file>', 'FILE.csv, FILE.geojson or FILE.ndjson')
  .option('--state <file>', 'where the cursor is kept between runs (default: FILE.state.json beside --out)')
  .option('--kind <kind>', 'only sightings, waypoints or alerts')
  .option('--device <id>', 'only records naming this device id')
  .option('--observed-from <day>', 'only observed on or after this day, YYYY-MM-DD')
  .option('--observed-to <day>', 'only observed on or before this day, YYYY-MM-DD')
  .option('--search <words>', 'only records with these words in a field')
  .option('--private-key <pem>', "decrypt ODK encrypted submissions here with the form's private key (PEM file); the server never sees it")
  .action(
    async (options: {
      from: string;
      project: string;
      token?: string;
      out: string;
      state: string;
      kind?: string;
      device?: string;
      observedFrom?: string;
      observedTo?: string;
      search?: string;
      privateKey?: string;
    }) => {
      if (!options.token) throw new CliError('give an admin token: --token or FIELDSYNC_TOKEN', EXIT.usage);
      const privateKeyPem = options.privateKey ? await readPrivateKey(options.privateKey) : undefined;
      const out = output();
      const filter = Object.fromEntries(
        Object.entries({ kind: options.kind, device: options.device, from: options.observedFrom, to: options.observedTo, q: options.search }).filter((entry): entry is [string, string] =>
          Boolean(entry[1]),
        ),
      );
      const result = await download(
        { server: serverUrl(options.from, '--from'), project: options.project, token: options.token, out: options.out, state: options.state || `${options.out}.state.json`, filter, privateKeyPem },
        out,
      );
      out.result(result);
    },
  );

program
  .command('import')
  .description("on the server: take every file in DIR into a project (then processed/ or failed/); uses the server's DATABASE_URL etc.")
  .argument('<dir>')
  .requiredOption('--project <slug>')
  .option('--device <login>', 'record the files as sent by this device')
  .action(async (dir: string, options: { project: string; device?: string }) => {
    const out = output();
    const results = await importFolder(dir, options.project, options.device, out);
    out.result(results);
    if (results.some((result) => result.outcome === 'failed' || result.outcome === 'retry-later')) throw new CliError('some files were not imported', EXIT.incomplete);
  });

program
  .command('test-connection')
  .description('check that a gateway, FTP site or folder is reachable, the login works and files can be written')
  .argument('<url>')
  .option('--device <login:secret>', 'device credentials for a gateway (or FIELDSYNC_DEVICE)')
  .action(async (url: string, options: { device?: string }) => {
    const out = output();
    const target = uploadTarget(url, options.device);
    try {
      const steps = await target.test();
      for (const step of steps) out.info(`ok  ${step}`);
      out.result({ ok: true, steps });
    } finally {
      await target.close();
    }
  });

const admin = program
  .command('admin')
  .description('projects, devices, tokens and batches, through the admin API')
  .option('--server <url>', 'the gateway (or FIELDSYNC_URL)', process.env.FIELDSYNC_URL)
  .option('--token <token>', 'admin token (or FIELDSYNC_TOKEN)', process.env.FIELDSYNC_TOKEN);
admin
  .command('migrate')
  .description("on the server, FieldSync stopped: copy the embedded database (DATA_DIR's) into a new PostgreSQL database")
  .requiredOption('--to <url>', 'postgres://user:password@host:5432/database (empty: FieldSync makes the tables)')
  .option('--from <file>', 'the SQLite file (default: DATA_DIR/fieldsync.sqlite)')
  .action(async (options: { to: string; from?: string }) => {
    const out = output();
    out.result(await migrateToPostgres(options.to, options.from, out));
  });
adminCommands(admin, () => {
  const { server, token } = admin.opts<{ server?: string; token?: string }>();
  if (!server || !token) throw new CliError('give --server and --token (or FIELDSYNC_URL and FIELDSYNC_TOKEN)', EXIT.usage);
  return { api: new AdminApi(serverUrl(server, '--server'), token), output: output() };
});

program.parseAsync().catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Commander has said what was wrong (or shown the help or the version) already.
    process.exitCode = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? EXIT.ok : EXIT.usage;
    return;
  }
  const exitCode = error instanceof CliError ? error.exitCode : EXIT.incomplete;
  const message = error instanceof Error ? error.message : String(error);
  if (program.opts().json) process.stdout.write(`${JSON.stringify({ ok: false, error: message, exitCode })}\n`);
  else process.stderr.write(`fieldsync: ${message}\n`);
  process.exitCode = exitCode;
});

/** The form's private key for --private-key: a PEM file that must be there and be a private key. */
async function readPrivateKey(path: string): Promise<string> {
  const pem = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`--private-key: cannot read ${path} (${error.code ?? error.message})`, EXIT.usage);
  });
  try {
    createPrivateKey(pem);
  } catch {
    throw new CliError(`--private-key: ${path} is not a PEM private key (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)`, EXIT.usage);
  }
  return pem;
}
