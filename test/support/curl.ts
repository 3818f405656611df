import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CurlResult {
  status: number;
  body: any;
  exitCode: number;
}

/**
 * Runs the real curl binary, the way a device or an admin's script would. `stdin` feeds
 * `--data-binary @-` / `-T -` style uploads.
 */
export function curl(args: string[], stdin?: Buffer | NodeJS.ReadableStream): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '-w', '\n%{http_code}', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (exitCode) => {
      const text = Buffer.concat(out).toString();
      const cut = text.lastIndexOf('\n');
      const raw = text.slice(0, cut);
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep text
      }
      resolve({ status: Number(text.slice(cut + 1)), body, exitCode: exitCode ?? -1 });
      if (exitCode !== 0 && !Number(text.slice(cut + 1))) reject(new Error(`curl failed (${exitCode}): ${err}`));
    });
    if (stdin === undefined) child.stdin.end();
    else if (Buffer.isBuffer(stdin)) child.stdin.end(stdin);
    else stdin.pipe(child.stdin);
  });
}

/** A device upload with HTTP Basic, body from memory. */
export function uploadAsDevice(baseUrl: string, device: { login: string; secret: string }, body: Buffer, extra: string[] = []): Promise<CurlResult> {
  return curl(['-u', `${device.login}:${device.secret}`, '--data-binary', '@-', ...extra, `${baseUrl}/upload`], body);
}

/**
 * A device killed in the middle of an FTP STOR (curl -T, slowed, SIGKILLed 1.5 s in, then 1.5 s
 * for the server to notice): its data connection ends like a finished file, its control
 * connection closes with it.
 */
export async function ftpUploadKilledMidway(url: string, device: { login: string; secret: string }, bytes: Buffer): Promise<void> {
  const client = spawn('curl', ['-sS', '--limit-rate', '200k', '-T', '-', '--user', `${device.login}:${device.secret}`, url], { stdio: ['pipe', 'ignore', 'ignore'] });
  client.stdin.on('error', () => undefined);
  client.stdin.write(bytes);
  await sleep(1500);
  client.kill('SIGKILL');
  await new Promise((resolve) => client.once('close', resolve));
  await sleep(1500);
}
