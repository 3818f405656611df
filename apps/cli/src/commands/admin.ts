import { createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { CliError, EXIT, Output } from '../output.js';
import { describeNetworkError, problemDetail } from '../targets/http-target.js';

/** The admin API over HTTP, for the `fieldsync admin` commands. */
export class AdminApi {
  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    if (!response.ok) throw this.refusal(method, path, response, text);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** Streams an answer's body into `file` (through `file.part`, renamed once whole); its size. */
  async download(path: string, file: string): Promise<{ bytes: number; contentType: string }> {
    const response = await this.send('GET', path);
    if (!response.ok || !response.body) throw this.refusal('GET', path, response, await response.text());
    const partial = `${file}.part`;
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(partial));
    await rename(partial, file);
    return { bytes: (await stat(file)).size, contentType: response.headers.get('content-type') ?? '' };
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.server.replace(/\/+$/, '')}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${this.server}: ${describeNetworkError(((error as { cause?: Error }).cause ?? error) as Error)}`, EXIT.unreachable);
    }
  }

  private refusal(method: string, path: string, response: Response, text: string): CliError {
    const code = response.status === 401 || response.status === 403 ? EXIT.refused : EXIT.incomplete;
    return new CliError(`${method} ${path}: ${response.status} ${problemDetail(text)}`, code);
  }
}

type Connection = () => { api: AdminApi; output: Output };

/** Prints a list as aligned columns, or the whole answer with --json. */
function show(output: Output, answer: unknown, rows: Record<string, unknown>[], columns: string[]): void {
  if (output.json) return output.result(answer);
  if (rows.length === 0) return output.info('(none)');
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => String(row[column] ?? '').length)));
  output.info(columns.map((column, i) => column.padEnd(widths[i])).join('  '));
  for (const row of rows) output.info(columns.map((column, i) => String(row[column] ?? '').padEnd(widths[i])).join('  '));
}

export function adminCommands(admin: Command, connect: Connection): void {
  admin
    .command('backup')
    .description('a consistent copy of the embedded database, taken while FieldSync runs, with the BLOB_DIR files in a zip when it is set (site administrators; PostgreSQL: pg_dump)')
    .requiredOption('--out <file>', 'where to write it, e.g. fieldsync-2026-11-26.sqlite (or .zip with BLOB_DIR)')
    .action(async (options: { out: string }) => {
      const { api, output } = connect();
      const { bytes, contentType } = await api.download('/backup', options.out);
      const withFiles = contentType.startsWith('application/zip');
      if (output.json) return output.result({ file: options.out, bytes, contents: withFiles ? 'database and BLOB_DIR files (zip)' : 'database' });
      if (!withFiles) return output.info(`backup written to ${options.out} (${bytes} bytes); to restore, stop FieldSync and put it in place of DATA_DIR/fieldsync.sqlite`);
      output.info(
        `backup written to ${options.out} (${bytes} bytes): a zip of the database and the files kept in BLOB_DIR; to restore, stop FieldSync, put its fieldsync.sqlite in place of DATA_DIR/fieldsync.sqlite and what is under its blobs/ into BLOB_DIR`,
      );
    });
  const projects = admin.command('projects').description('list, create, rename and delete projects');
  projects
    .command('delete <project>')
    .description('delete the project and all its sightings, batches, devices and files, for good')
    .requiredOption('--confirm <slug>', "the project's slug again")
    .action(async (project: string, options: { confirm: string }) => {
      const { api, output } = connect();
      const query = new URLSearchParams({ confirm: options.confirm });
      const answer = await api.call<{ slug: string; deleted: Record<string, number> }>('DELETE', `/projects/${encodeURIComponent(project)}?${query}`);
      if (output.json) return output.result(answer);
      output.info(
        `deleted project ${answer.slug}: ${Object.entries(answer.deleted)
          .map(([what, n]) => `${n} ${what}`)
          .join(', ')}`,
      );
    });
  projects
    .command('rename <project> <name>')
    .description('a new name; the slug stays')
    .action(async (project: string, name: string) => {
      const { api, output } = connect();
      const answer = await api.call<Record<string, unknown>>('PATCH', `/projects/${encodeURIComponent(project)}`, { name });
      show(output, answer, [answer], ['slug', 'name', 'id']);
    });
  projects
    .command('list')
    .description('list projects')
    .action(async () => {
      const { api, output } = connect();
      const answer = await api.call<{ projects: Record<string, unknown>[] }>('GET', '/projects');
      show(output, answer, answer.projects, ['slug', 'name', 'id']);
    });
  projects
    .command('create <slug> <name>')
    .description('create a project')
    .action(async (slug: string, name: string) => {
      const { api, output } = connect();
      const answer = await api.call<Record<string, unknown>>('POST', '/projects', { slug, name });
      show(output, answer, [answer], ['slug', 'name', 'id']);
    });

  const devices = admin.command('devices').description('list, create, enable and disable devices');
  devices.command('list <project>').action(async (project: string) => {
    const { api, output } = connect();
    const answer = await api.call<{ devices: Record<string, unknown>[] }>('GET', `/projects/${encodeURIComponent(project)}/devices`);
    show(output, answer, answer.devices, ['login', 'name', 'enabled', 'id']);
  });
  devices
    .command('create <project> <name>')
    .description('register a device; its secret is shown only now')
    .action(async (project: string, name: string) => {
      const { api, output } = connect();
      const answer = await api.call<Record<string, unknown>>('POST', `/projects/${encodeURIComponent(project)}/devices`, { name });
      show(output, answer, [answer], ['login', 'secret', 'id']);
    });
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    devices
      .command(`${verb} <project> <device>`)
      .description('the device by its login or its id')
      .action(async (project: string, device: string) => {
        const { api, output } = connect();
        // People know a device by its login (what it types); the API names it by id.
        const { devices: known } = await api.call<{ devices: { id: string; login: string }[] }>('GET', `/projects/${encodeURIComponent(project)}/devices`);
        const found = known.find((candidate) => candidate.login === device || candidate.id === device);
        if (!found) throw new CliError(`no device "${device}" in project "${project}" (give its login or id: fieldsync admin devices list ${project})`, EXIT.incomplete);
        const answer = await api.call<Record<string, unknown>>('PATCH', `/projects/${encodeURIComponent(project)}/devices/${encodeURIComponent(found.id)}`, { enabled });
        show(output, answer, [answer], ['login', 'enabled', 'id']);
      });
  }

  const tokens = admin.command('tokens').description('list and create admin tokens');
  tokens.command('list').action(async () => {
    const { api, output } = connect();
    const answer = await api.call<{ tokens: Record<string, unknown>[] }>('GET', '/tokens');
    show(output, answer, answer.tokens, ['id', 'name', 'role', 'projects']);
  });
  tokens
    .command('create <name>')
    .description('make a token; it is shown only now')
    .option('--role <role>', 'admin or read-only', 'admin')
    .option('--projects <slugs>', 'comma-separated project slugs (default: every project)')
    .action(async (name: string, options: { role: string; projects?: string }) => {
      const { api, output } = connect();
      const body = { name, role: options.role, ...(options.projects ? { projects: options.projects.split(',').map((slug) => slug.trim()) } : {}) };
      const answer = await api.call<Record<string, unknown>>('POST', '/tokens', body);
      show(output, answer, [answer], ['id', 'role', 'token']);
    });

  const sources = admin.command('sources').description('download settings: remote FTP/FTPS sites or folders pulled on a schedule');
  sources.command('list <project>').action(async (project: string) => {
    const { api, output } = connect();
    const answer = await api.call<{ sources: Record<string, unknown>[] }>('GET', `/projects/${encodeURIComponent(project)}/sources`);
    show(output, answer, answer.sources, ['id', 'url', 'everyMinutes', 'lastSuccessAt', 'lastError']);
  });
  sources
    .command('edit <project> <sourceId>')
    .description('change what is given; a password left out is kept, --password "" removes it')
    .option('--url <url>')
    .option('--username <name>')
    .option('--password <password>')
    .option('--every <minutes>', 'minutes between pulls')
    .action(async (project: string, sourceId: string, options: { url?: string; username?: string; password?: string; every?: string }) => {
      const { api, output } = connect();
      const body = { url: options.url, username: options.username, password: options.password, everyMinutes: options.every === undefined ? undefined : Number(options.every) };
      const answer = await api.call<Record<string, unknown>>('PATCH', `/projects/${encodeURIComponent(project)}/sources/${encodeURIComponent(sourceId)}`, body);
      show(output, answer, [answer], ['id', 'url', 'username', 'everyMinutes']);
    });
  sources
    .command('create <project> <url>')
    .description('add a source; the password is stored encrypted')
    .option('--username <name>')
    .option('--password <password>')
    .option('--every <minutes>', 'minutes between pulls', '15')
    .option('--delete-after-ingest', 'delete remote files once ingested')
    .action(async (project: string, url: string, options: { username?: string; password?: string; every: string; deleteAfterIngest?: boolean }) => {
      const { api, output } = connect();
      const body = { url, username: options.username, password: options.password, everyMinutes: Number(options.every), deleteAfterIngest: Boolean(options.deleteAfterIngest) };
      const answer = await api.call<Record<string, unknown>>('POST', `/projects/${encodeURIComponent(project)}/sources`, body);
      show(output, answer, [answer], ['id', 'url', 'everyMinutes']);
    });
  for (const [verb, method, suffix] of [
    ['delete', 'DELETE', ''],
    ['test', 'POST', '/test'],
    ['run', 'POST', '/run'],
  ] as const) {
    sources.command(`${verb} <project> <sourceId>`).action(async (project: string, sourceId: string) => {
      const { api, output } = connect();
      const answer = await api.call<Record<string, unknown> | null>(method, `/projects/${encodeURIComponent(project)}/sources/${encodeURIComponent(sourceId)}${suffix}`);
      if (answer && answer.ok === false) throw new CliError(`cannot read the source: ${String(answer.error)}`, EXIT.refused);
      if (output.json) return output.result(answer ?? { ok: true });
      output.info(verb === 'test' ? `connected: ${String(answer?.files)} file(s) there` : verb === 'run' ? 'queued: it runs in a moment' : 'deleted');
    });
  }

  const subscriptions = admin.command('subscriptions').description("outbound delivery: push a project's sightings to a URL, in feed order");
  subscriptions.command('list <project>').action(async (project: string) => {
    const { api, output } = connect();
    const answer = await api.call<{ subscriptions: Record<string, unknown>[] }>('GET', `/projects/${encodeURIComponent(project)}/subscriptions`);
    show(output, answer, answer.subscriptions, ['id', 'name', 'url', 'state', 'cursor', 'lastDeliveredAt', 'lastError']);
  });
  subscriptions
    .command('create <project> <url>')
    .description('start pushing to URL; the signing secret is shown only now')
    .option('--name <name>', 'what to call it')
    .addOption(new Option('--format <format>', 'body shape').choices(['sighting', 'earthranger']).default('sighting'))
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['sighting', 'waypoint', 'alert']))
    .option('--device <id>', 'only records naming this device id')
    .option('--batch-size <n>', 'sightings per POST (1-1000)', '100')
    .addOption(new Option('--start-at <where>', 'beginning: everything the project holds; now: only what comes next').choices(['beginning', 'now']).default('beginning'))
    .action(async (project: string, url: string, options: { name?: string; format: string; kind?: string; device?: string; batchSize: string; startAt: string }) => {
      const { api, output } = connect();
      const answer = await api.call<Record<string, unknown>>('POST', `/projects/${encodeURIComponent(project)}/subscriptions`, {
        name: options.name ?? new URL(url).host,
        url,
        format: options.format,
        ...(options.kind ? { kind: options.kind } : {}),
        ...(options.device ? { deviceId: options.device } : {}),
        batchSize: Number(options.batchSize),
        startAt: options.startAt,
      });
      show(output, answer, [answer], ['id', 'url', 'secret']);
    });
  for (const [verb, change] of [
    ['pause', { enabled: false }],
    ['resume', { enabled: true }],
    ['delete', null],
  ] as const) {
    subscriptions.command(`${verb} <project> <subscriptionId>`).action(async (project: string, subscriptionId: string) => {
      const { api, output } = connect();
      const path = `/projects/${encodeURIComponent(project)}/subscriptions/${encodeURIComponent(subscriptionId)}`;
      const answer = await api.call<Record<string, unknown> | null>(change ? 'PATCH' : 'DELETE', path, change ?? undefined);
      if (output.json) return output.result(answer ?? { ok: true });
      output.info(answer ? `${String(answer.name)}: ${String(answer.state)}` : 'deleted');
    });
  }

  const batches = admin.command('batches').description('see what arrived and how it was consolidated');
  batches
    .command('list <project>')
    .addOption(new Option('--status <status>', 'only batches in this state').choices(['received', 'processing', 'consolidated', 'rejected', 'failed']))
    .action(async (project: string, options: { status?: string }) => {
      const { api, output } = connect();
      const answer = await api.call<{ batches: Record<string, unknown>[] }>('GET', `/projects/${encodeURIComponent(project)}/batches${options.status ? `?status=${options.status}` : ''}`);
      show(
        output,
        answer,
        answer.batches.map((batch) => ({ ...batch, counts: JSON.stringify(batch.counts) })),
        ['id', 'status', 'format', 'fileName', 'counts', 'error'],
      );
    });
  batches.command('show <batchId>').action(async (batchId: string) => {
    const { api, output } = connect();
    const answer = await api.call<Record<string, unknown>>('GET', `/batches/${encodeURIComponent(batchId)}`);
    if (output.json) return output.result(answer);
    output.info(JSON.stringify(answer, null, 2));
  });

  admin
    .command('create-user <login>')
    .description('add a person who signs in to the console; without --password a one-time password is printed')
    .option('--name <displayName>', 'the name shown for them')
    .option('--password <password>', 'at least 10 characters')
    .option('--site-admin', 'may do everything, people included')
    .action(async (login: string, options: { name?: string; password?: string; siteAdmin?: boolean }) => {
      const { api, output } = connect();
      const answer = await api.call<Record<string, unknown>>('POST', '/people', { login, displayName: options.name, password: options.password, siteAdmin: Boolean(options.siteAdmin) });
      if (output.json) return output.result(answer);
      output.info(`created ${String(answer.login)} (${answer.siteAdmin ? 'site administrator' : 'no project yet: give a role with PUT /api/v1/people/{id}/projects/{slug}'})`);
      if (answer.oneTimePassword) output.info(`one-time password (shown only now): ${String(answer.oneTimePassword)}`);
    });

  const people = admin.command('people').description('people who sign in, and their roles');
  people.command('list').action(async () => {
    const { api, output } = connect();
    const answer = await api.call<{ people: Record<string, unknown>[] }>('GET', '/people');
    show(
      output,
      answer,
      answer.people.map((person) => ({ ...person, projects: JSON.stringify(person.projects) })),
      ['id', 'login', 'displayName', 'siteAdmin', 'enabled', 'projects'],
    );
  });
  people
    .command('role <personId> <project> <role>')
    .description('give a role in a project: manager, viewer, or none')
    .action(async (personId: string, project: string, role: string) => {
      const { api, output } = connect();
      const path = `/people/${encodeURIComponent(personId)}/projects/${encodeURIComponent(project)}`;
      const answer = role === 'none' ? await api.call('DELETE', path) : await api.call('PUT', path, { role });
      if (output.json) return output.result(answer ?? { ok: true });
      output.info('done');
    });
  people.command('disable <personId>').action(async (personId: string) => {
    const { api, output } = connect();
    output.result(await api.call('PATCH', `/people/${encodeURIComponent(personId)}`, { enabled: false }));
  });
  people.command('reset-password <personId>').action(async (personId: string) => {
    const { api, output } = connect();
    const answer = await api.call<{ oneTimePassword: string }>('POST', `/people/${encodeURIComponent(personId)}/password`);
    if (output.json) return output.result(answer);
    output.info(`one-time password (shown only now): ${answer.oneTimePassword}`);
  });
  tokens.command('revoke <tokenId>').action(async (tokenId: string) => {
    const { api, output } = connect();
    output.result(await api.call('DELETE', `/tokens/${encodeURIComponent(tokenId)}`));
  });
}
