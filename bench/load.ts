import { Agent, request } from 'node:http';

/** Percentile of a sorted list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface LoadResult {
  acknowledged: number;
  failed: number;
  seconds: number;
  latenciesMs: number[];
}

/**
 * `clients` loops, each sending `body()` as fast as its previous request is answered, for
 * `seconds`; every answer's time is recorded. Keep-alive, as devices reuse their connection.
 */
export async function closedLoopLoad(
  url: string,
  clients: number,
  seconds: number,
  headersFor: (client: number) => Record<string, string>,
  body: (client: number, n: number) => Buffer,
  onAck?: (client: number, n: number, at: number) => void,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let failed = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const target = new URL(url);
  const send = (client: number, n: number) =>
    new Promise<number>((resolve) => {
      const payload = body(client, n);
      const begin = performance.now();
      const req = request(
        { agent, method: 'POST', hostname: target.hostname, port: target.port, path: target.pathname, headers: { ...headersFor(client), 'content-length': payload.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          latencies.push(performance.now() - begin);
        },
      );
      req.on('error', () => resolve(0));
      req.end(payload);
    });
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const status = await send(client, n);
        if (status >= 200 && status < 300) onAck?.(client, n, Date.now());
        else failed++;
      }
    }),
  );
  agent.destroy();
  return { acknowledged: latencies.length - failed, failed, seconds: (Date.now() - started) / 1000, latenciesMs: latencies.sort((a, b) => a - b) };
}
