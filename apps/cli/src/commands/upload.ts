import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileStability, freePath } from '@fieldsync/sync-core';
import type { FileState } from '@fieldsync/sync-core';
import { basename, join } from 'node:path';
import { CliError, EXIT, Output } from '../output.js';
import { SendOutcome, UploadTarget } from '../targets/upload-target.js';

const SENT = 'sent';
const REJECTED = 'rejected';
const SETTLE_MS = 2000;

/** Every file under the given files and folders, in name order; `sent/` and `rejected/` folders are skipped. */
export async function filesIn(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new CliError(`no such file or folder: ${path}`, EXIT.usage);
    if (info.isFile()) files.push(path);
    else if (info.isDirectory()) {
      const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (entry.name.startsWith('.') || (entry.isDirectory() && (entry.name === SENT || entry.name === REJECTED))) continue;
        if (entry.isFile()) files.push(join(path, entry.name));
        else if (entry.isDirectory()) files.push(...(await filesIn([join(path, entry.name)])));
      }
    }
  }
  return files;
}

/** Sends one file, retrying with growing pauses; a refused login and a rejected file are not retried. */
async function sendWithRetries(target: UploadTarget, path: string, retries: number): Promise<SendOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await target.send(path)) ?? {};
    } catch (error) {
      const final = error instanceof CliError && (error.exitCode === EXIT.refused || error.exitCode === EXIT.rejected);
      if (final || attempt >= retries) throw error;
      await sleep(Math.min(1000 * 2 ** attempt, 30_000));
    }
  }
}

export interface SendReport {
  sent: string[];
  /** `exitCode`: why, as the exit codes say it (3 unreachable, 4 refused, 1 anything else). */
  failed: { file: string; reason: string; exitCode: number }[];
}

/** The exit code of a run that left files unsent: the one cause they share (unreachable, refused), else "incomplete". */
export function exitCodeOf(report: SendReport): number {
  const causes = new Set(report.failed.map((failure) => failure.exitCode));
  return causes.size === 1 ? [...causes][0]! : EXIT.incomplete;
}

/** What the outbox agent does with a file once the other side answered: sent, or rejected for good. */
interface AfterSend {
  sent(file: string): Promise<void>;
  rejected(file: string, reason: string): Promise<void>;
}

export async function sendFiles(target: UploadTarget, files: string[], retries: number, output: Output, after?: AfterSend): Promise<SendReport> {
  const report: SendReport = { sent: [], failed: [] };
  for (const [index, file] of files.entries()) {
    output.progress(`[${index + 1}/${files.length}] ${basename(file)} → ${target.description}`);
    try {
      const { warning } = await sendWithRetries(target, file, retries);
      await after?.sent(file);
      report.sent.push(file);
      output.endProgress();
      output.info(`sent ${file}`);
      if (warning) output.warn(`${file}: ${warning}`);
    } catch (error) {
      const exitCode = error instanceof CliError ? error.exitCode : EXIT.incomplete;
      report.failed.push({ file, reason: (error as Error).message, exitCode });
      if (exitCode === EXIT.rejected) await after?.rejected(file, (error as Error).message);
      output.endProgress();
      output.info(`NOT sent ${file}: ${(error as Error).message}`);
      if (error instanceof CliError && error.exitCode === EXIT.refused) break;
    }
  }
  return report;
}

/**
 * `fieldsync upload --watch OUTBOX`: the send-on-client agent. A file is sent once it is complete
 * (its size and time unchanged over two rounds and 2 s, or already old when first seen: moved in
 * whole), and leaves the outbox only once sent, into sent/ beside any earlier file of its name.
 */
export async function watchOutbox(target: UploadTarget, outbox: string, everyMs: number, retries: number, output: Output, signal: AbortSignal): Promise<void> {
  await mkdir(join(outbox, SENT), { recursive: true });
  await mkdir(join(outbox, REJECTED), { recursive: true });
  // Unchanged for two rounds and at least 2 s: rounds may come faster than a writer's pauses.
  const stability = new FileStability(Math.max(everyMs * 3, 10_000), SETTLE_MS);
  while (!signal.aborted) {
    const listed = (await filesIn([outbox]).catch(() => [])).filter((file) => !basename(file).endsWith('.part'));
    const states = new Map<string, FileState>();
    for (const file of listed) {
      const info = await stat(file).catch(() => null);
      if (info) states.set(file, { size: info.size, mtimeMs: info.mtimeMs });
    }
    const files = stability.scan(states).sort();
    if (files.length > 0) {
      const report = await sendFiles(target, files, retries, output, {
        sent: async (file) => void (await rename(file, await freePath(join(outbox, SENT), basename(file)))),
        // Sending it again cannot help: it leaves the outbox for rejected/, with the reason beside it.
        rejected: async (file, reason) => {
          const kept = await freePath(join(outbox, REJECTED), basename(file));
          // The reason first, whole (written aside, then renamed): whoever sees the file there can read why.
          await writeFile(`${kept}.error.txt.part`, `${reason}\n`);
          await rename(`${kept}.error.txt.part`, `${kept}.error.txt`);
          await rename(file, kept);
        },
      });
      await target.close();
      output.result({ round: new Date().toISOString(), sent: report.sent.length, waiting: report.failed.length });
    }
    // The timer is dropped with its abort listener each round: a day-long run holds none of them.
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}

export function parseInterval(text: string): number {
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`"${text}" is not an interval such as 30s, 5m or 1h`, EXIT.usage);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
