import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CliError, EXIT, Output } from '../output.js';
import { UploadTarget } from '../targets/upload-target.js';

const SENT = 'sent';

/** Every file under the given files and folders, in name order; `sent/` folders are skipped. */
export async function filesIn(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new CliError(`no such file or folder: ${path}`, EXIT.usage);
    if (info.isFile()) files.push(path);
    else if (info.isDirectory()) {
      const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (entry.name.startsWith('.') || (entry.isDirectory() && entry.name === SENT)) continue;
        if (entry.isFile()) files.push(join(path, entry.name));
        else if (entry.isDirectory()) files.push(...(await filesIn([join(path, entry.name)])));
      }
    }
  }
  return files;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one file, retrying with growing pauses; a refused login is not retried. */
async function sendWithRetries(target: UploadTarget, path: string, retries: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await target.send(path);
    } catch (error) {
      const refused = error instanceof CliError && error.exitCode === EXIT.refused;
      if (refused || attempt >= retries) throw error;
      await sleep(Math.min(1000 * 2 ** attempt, 30_000));
    }
  }
}

export interface SendReport {
  sent: string[];
  failed: { file: string; reason: string }[];
}

export async function sendFiles(target: UploadTarget, files: string[], retries: number, output: Output, after?: (file: string) => Promise<void>): Promise<SendReport> {
  const report: SendReport = { sent: [], failed: [] };
  for (const [index, file] of files.entries()) {
    output.progress(`[${index + 1}/${files.length}] ${basename(file)} → ${target.description}`);
    try {
      await sendWithRetries(target, file, retries);
      await after?.(file);
      report.sent.push(file);
      output.endProgress();
      output.info(`sent ${file}`);
    } catch (error) {
      report.failed.push({ file, reason: (error as Error).message });
      output.endProgress();
      output.info(`NOT sent ${file}: ${(error as Error).message}`);
      if (error instanceof CliError && error.exitCode === EXIT.refused) break;
    }
  }
  return report;
}

/** `fieldsync upload --watch OUTBOX`: the send-on-client agent. A file leaves the outbox only once sent. */
export async function watchOutbox(target: UploadTarget, outbox: string, everyMs: number, retries: number, output: Output, signal: AbortSignal): Promise<void> {
  await mkdir(join(outbox, SENT), { recursive: true });
  while (!signal.aborted) {
    const files = (await filesIn([outbox]).catch(() => [])).filter((file) => !basename(file).endsWith('.part'));
    if (files.length > 0) {
      const report = await sendFiles(target, files, retries, output, async (file) => {
        await rename(file, join(outbox, SENT, basename(file)));
      });
      await target.close();
      output.result({ round: new Date().toISOString(), sent: report.sent.length, waiting: report.failed.length });
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, everyMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve(undefined);
        },
        { once: true },
      );
    });
  }
}

export function parseInterval(text: string): number {
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`"${text}" is not an interval such as 30s, 5m or 1h`, EXIT.usage);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
