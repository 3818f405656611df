import { AddressInfo, createServer, Server } from 'node:net';

/**
 * `count` distinct free ports on 127.0.0.1. They are held open together while chosen: picked one
 * after another, the second could be the first again (seen: HTTP_PORT and FTP_PORT the same).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.unref();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A TCP port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** Thrown by a probe when waiting longer cannot help (the process being waited for exited): waitFor fails at once. */
export class StopWaiting extends Error {}

/** Polls `probe` until it returns something truthy; a probe's error counts as "not yet", except StopWaiting. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      if (error instanceof StopWaiting) throw new Error(`gave up waiting for ${what}: ${error.message}`);
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
