import { createWriteStream } from 'node:fs';
import { open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonLines, SERIALIZERS } from '@fieldsync/sync-core';
import type { SightingView } from '@fieldsync/sync-core';
import { CliError, EXIT, Output } from '../output.js';
import { isEncrypted, SubmissionDecryptor } from './submission-decryptor.js';
import { describeNetworkError, problemDetail } from '../targets/http-target.js';

type FileFormat = 'csv' | 'geojson' | 'ndjson';

/** What an incremental download remembers between runs. */
export interface DownloadState {
  server: string;
  project: string;
  format: FileFormat;
  /** Pass back as `after` next time. */
  cursor: string;
  /** The output's size once the last run finished; a larger file was cut short mid-append and is trimmed back. */
  outputBytes: number;
  /** The filter the file was made with (API parameter names); a run with another filter needs another file. */
  filter?: Record<string, string>;
}

/** Which sightings to download, as the API's filter parameters (kind, device, from, to, q). */
export type DownloadFilter = Record<string, string>;

const GEOJSON_HEAD = '{"type":"FeatureCollection","features":[';
const GEOJSON_TAIL = ']}';

function formatOf(out: string): FileFormat {
  if (/\.csv$/i.test(out)) return 'csv';
  if (/\.(geo)?json$/i.test(out)) return 'geojson';
  if (/\.(nd)?jsonl?$|\.ndjson$/i.test(out)) return 'ndjson';
  throw new CliError(`cannot tell the format from "${out}"; name it .csv, .geojson or .ndjson`, EXIT.usage);
}

/** Drops the first `skip` characters and everything from the last `cutAt` marker on. */
function trimmed(skip: number, tailMarker: string | null): Transform {
  let skipped = 0;
  let held = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let text = chunk.toString('utf8');
      if (skipped < skip) {
        const drop = Math.min(skip - skipped, text.length);
        skipped += drop;
        text = text.slice(drop);
      }
      if (!tailMarker) return callback(null, text);
      held += text;
      const keep = 256;
      if (held.length > keep) {
        const out = held.slice(0, held.length - keep);
        held = held.slice(held.length - keep);
        return callback(null, out);
      }
      callback();
    },
    flush(callback) {
      const cut = tailMarker ? held.lastIndexOf(tailMarker) : -1;
      callback(null, cut >= 0 ? held.slice(0, cut) : held);
    },
  });
}

/**
 * `fieldsync download`: the first run writes everything; each later run appends only what
 * changed since (new sightings, new revisions, deletions), from the cursor in the state file.
 * The state is written last, and a half-finished append is trimmed on the next run, so the
 * command can be interrupted at any moment.
 */
export async function download(
  options: { server: string; project: string; token: string; out: string; state: string; filter?: DownloadFilter; privateKeyPem?: string },
  output: Output,
): Promise<{ appended: boolean; cursor: string; decrypted?: number }> {
  const filter = options.filter ?? {};
  const format = formatOf(options.out);
  const folder = dirname(resolve(options.out));
  if (
    !(await stat(folder).then(
      (info) => info.isDirectory(),
      () => false,
    ))
  ) {
    throw new CliError(`the folder of --out, ${folder}, does not exist: create it first, or give a file in an existing folder`, EXIT.usage);
  }
  const saved = await readFile(options.state, 'utf8').then(
    (text) => JSON.parse(text) as DownloadState,
    () => null,
  );
  if (saved && (saved.project !== options.project || saved.format !== format)) {
    throw new CliError(`the state file ${options.state} belongs to project "${saved.project}" as ${saved.format}; use another state file`, EXIT.usage);
  }
  if (saved && JSON.stringify(saved.filter ?? {}) !== JSON.stringify(filter)) {
    throw new CliError(`the state file ${options.state} was made with another filter (${JSON.stringify(saved.filter ?? {})}); use another output and state file for this one`, EXIT.usage);
  }
  const existing = await stat(options.out).then(
    (info) => info.size,
    () => null,
  );
  const appending = saved !== null && existing !== null;
  if (appending && existing! > saved!.outputBytes) await truncate(options.out, saved!.outputBytes);

  // Deleted sightings come too (flagged `deleted`): a deletion is a change the next run must carry.
  // Decrypting reads the server's JSON lines and writes the file's own format here.
  const query = new URLSearchParams({ ...filter, format: options.privateKeyPem ? 'ndjson' : format, includeDeleted: 'true', after: appending ? saved!.cursor : '0' });
  const url = `${options.server.replace(/\/+$/, '')}/api/v1/projects/${encodeURIComponent(options.project)}/sightings?${query}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${options.token}` } });
  } catch (error) {
    throw new CliError(`cannot reach ${options.server}: ${describeNetworkError(((error as { cause?: Error }).cause ?? error) as Error)}`, EXIT.unreachable);
  }
  if (response.status === 401 || response.status === 403) throw new CliError(`the token was refused (${response.status})`, EXIT.refused);
  if (response.status === 404) throw new CliError(`no project "${options.project}" for this token`, EXIT.refused);
  // The server's own words say which option was wrong (a bad day, an unknown kind): a usage error.
  if (response.status === 400) throw new CliError(`the server refused the request: ${problemDetail(await response.text())}`, EXIT.usage);
  if (!response.ok || !response.body) throw new CliError(`${options.server} answered ${response.status}: ${problemDetail(await response.text())}`, EXIT.incomplete);
  const cursor = response.headers.get('x-next-cursor') ?? (appending ? saved!.cursor : '0');

  const received = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  const decryption = options.privateKeyPem ? decrypting(received, format, Number(cursor), options as DecryptOptions, output) : null;
  const body = decryption?.body ?? received;
  if (!appending) {
    const partial = `${options.out}.partial`;
    const transforms = format === 'geojson' ? [trimmed(0, '],"next"'), withTail(GEOJSON_TAIL)] : [];
    await pipeline([body, ...transforms, createWriteStream(partial)]);
    await rename(partial, options.out);
  } else if (format === 'geojson') {
    // Features go before the closing "]}": the file stays one valid FeatureCollection.
    const size = (await stat(options.out)).size;
    const handle = await open(options.out, 'r+');
    const tailStart = size - GEOJSON_TAIL.length;
    const hasFeatures = size > GEOJSON_HEAD.length + GEOJSON_TAIL.length;
    await handle.truncate(tailStart);
    await handle.close();
    let first = true;
    const separator = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const text = chunk.toString('utf8');
        if (first && text.length > 0) {
          first = false;
          return callback(null, (hasFeatures ? ',' : '') + text);
        }
        callback(null, text);
      },
    });
    await pipeline(body, trimmed(GEOJSON_HEAD.length, '],"next"'), separator, withTail(GEOJSON_TAIL), createWriteStream(options.out, { flags: 'a' }));
  } else {
    const skipHeader = format === 'csv' ? [dropFirstLine()] : [];
    await pipeline([body, ...skipHeader, createWriteStream(options.out, { flags: 'a' })]);
  }
  const state: DownloadState = { server: options.server, project: options.project, format, cursor, outputBytes: (await stat(options.out)).size, filter };
  await writeFile(`${options.state}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${options.state}.tmp`, options.state);
  output.info(`${appending ? 'appended to' : 'wrote'} ${options.out}; next run continues after ${cursor}`);
  if (!decryption) return { appended: appending, cursor };
  const { decrypted, failed } = decryption.tally;
  output.info(`decrypted ${decrypted} encrypted submission${decrypted === 1 ? '' : 's'}; their media files are in ${options.out}.media/`);
  if (failed.length > 0) throw new CliError(`${failed.length} encrypted submission(s) could not be decrypted and were written as they are: ${failed.join('; ')}`, EXIT.incomplete);
  return { appended: appending, cursor, decrypted };
}

type DecryptOptions = { server: string; project: string; token: string; out: string; privateKeyPem: string };

/**
 * The server's JSON lines as the file's format, each encrypted submission decrypted with the
 * private key on the way (its files fetched as attachments); one that cannot be is written as it
 * is and named at the end.
 */
function decrypting(lines: Readable, format: FileFormat, next: number, options: DecryptOptions, output: Output) {
  const tally = { decrypted: 0, failed: [] as string[] };
  const attachments = `${options.server.replace(/\/+$/, '')}/api/v1/projects/${encodeURIComponent(options.project)}/attachments/`;
  const fetchAttachment = async (sha256: string) => {
    const answer = await fetch(`${attachments}${sha256}`, { headers: { authorization: `Bearer ${options.token}` } });
    if (!answer.ok) throw new Error(`its file ${sha256} could not be fetched (${answer.status})`);
    return Buffer.from(await answer.arrayBuffer());
  };
  const decryptor = new SubmissionDecryptor(options.privateKeyPem, fetchAttachment, `${options.out}.media`);
  const serializer = SERIALIZERS[format];
  async function* serialised(): AsyncGenerator<string> {
    yield serializer.start(next);
    let first = true;
    for await (const batch of jsonLines(lines)) {
      for (const line of batch.filter(Boolean)) {
        let view = JSON.parse(line) as SightingView;
        if (isEncrypted(view)) {
          try {
            view = await decryptor.open(view);
            tally.decrypted++;
          } catch (error) {
            tally.failed.push(`${view.id}: ${(error as Error).message}`);
            output.warn(`${view.id} was not decrypted: ${(error as Error).message}`);
          }
        }
        yield serializer.row(view, first);
        first = false;
      }
    }
    yield serializer.end(next);
  }
  return { body: Readable.from(serialised()), tally };
}

function withTail(tail: string): Transform {
  return new Transform({
    transform: (chunk, _encoding, callback) => callback(null, chunk),
    flush: (callback) => callback(null, tail),
  });
}

function dropFirstLine(): Transform {
  let dropped = false;
  let held = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (dropped) return callback(null, chunk);
      held += chunk.toString('utf8');
      const end = held.indexOf('\n');
      if (end < 0) return callback();
      dropped = true;
      callback(null, held.slice(end + 1));
    },
  });
}
