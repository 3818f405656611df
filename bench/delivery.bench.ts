import { spawn } from 'node:child_process';
import { AdminClient } from '../test/support/admin-client.js';
import { ADMIN_TOKEN, FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { WebhookReceiver } from '../test/support/webhook-receiver.js';
import { closedLoopLoad, percentile } from './load.js';
import { seedSightings } from './seed.js';
import { BenchFigure } from './measure.js';

const ROWS = 100_000;
const DEVICES = 32;
const SECONDS = 20;

function secondsToRead(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('curl', ['-sS', '-f', '-o', '/dev/null', '-H', `Authorization: Bearer ${ADMIN_TOKEN}`, url]);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`curl exited ${code}`))));
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Outbound delivery on PostgreSQL, to a receiver in this process that checks every signature:
 * (1) 100,000 sightings already in a project delivered to a new subscription, beside reading the
 * same rows from the feed (NDJSON) in the same run; (2) the time from a device's 202 to the
 * receiver having its sightings, while 32 devices upload 5 sightings each as fast as they can.
 */
export async function delivery(): Promise<BenchFigure[]> {
  const [store, redis, receiver] = await Promise.all([StoreUnderTest.create('postgres'), PrivateRedis.start(), WebhookReceiver.start()]);
  const server = await FieldSyncProcess.start({
    store,
    redisUrl: redis.url,
    env: { FIELDSYNC_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123', DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true', DELIVERY_POLL_MS: '50', CONSOLIDATOR_CONCURRENCY: '4' },
  });
  try {
    const admin = new AdminClient(server.baseUrl);
    const project = await admin.createProject('bulk');
    await seedSightings(store, project.id, ROWS, 'delivery');

    const feedSeconds = await secondsToRead(`${server.baseUrl}/api/v1/projects/bulk/sightings?format=ndjson`);
    const bulk = await admin.expect(201, 'POST', '/api/v1/projects/bulk/subscriptions', { name: 'bench', url: receiver.url, batchSize: 1000 });
    receiver.secret = bulk.secret;
    const started = performance.now();
    await until(() => receiver.sightings.length >= ROWS, 600_000);
    const deliverySeconds = (performance.now() - started) / 1000;
    await admin.expect(204, 'DELETE', `/api/v1/projects/bulk/subscriptions/${bulk.id}`);

    await admin.createProject('live');
    const live = await admin.expect(201, 'POST', '/api/v1/projects/live/subscriptions', { name: 'live', url: receiver.url, batchSize: 100, startAt: 'now' });
    receiver.secret = live.secret;
    const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => admin.createDevice('live', `d${i}`)));
    const auth = devices.map((device) => ({ authorization: `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`, 'content-type': 'application/json' }));
    const acked = new Map<string, number>();
    const load = await closedLoopLoad(
      `${server.baseUrl}/upload`,
      DEVICES,
      SECONDS,
      (client) => auth[client]!,
      (client, n) =>
        Buffer.from(
          JSON.stringify({
            type: 'FeatureCollection',
            features: Array.from({ length: 5 }, (_, i) => ({
              type: 'Feature',
              geometry: { type: 'Point', coordinates: [31.5, -24.1] },
              properties: { id: `live-${client}-${n}-${i}`, deviceId: `ct-${client}`, dateTime: '2026-03-01T10:00:00+02:00', sighting: { Species: 'Lion', Count: i } },
            })),
          }),
        ),
      (client, n, at) => acked.set(`live-${client}-${n}-0`, at),
    );
    await until(() => [...acked.keys()].every((id) => receiver.arrivedAt.has(id)), 300_000);
    const latencies = [...acked].map(([id, at]) => receiver.arrivedAt.get(id)! - at).sort((a, b) => a - b);

    const rate = ROWS / deliverySeconds;
    const feedRate = ROWS / feedSeconds;
    return [
      {
        benchmark: 'Delivery, 100k sightings to a webhook receiver, 1000 per signed POST (postgres)',
        figure: `${rate.toFixed(0)} sightings/s`,
        value: Math.round(rate),
        unit: 'sightings/s',
        baseline: `the feed read as NDJSON ${feedRate.toFixed(0)} rows/s`,
        baselineValue: Math.round(feedRate),
        ratio: Number((rate / feedRate).toFixed(3)),
        goal: '≥ 0.5 × the feed read',
        met: rate / feedRate >= 0.5,
      },
      {
        benchmark: 'Upload to delivered, 32 devices × 5 sightings for 20 s (postgres, queue mode)',
        figure: `p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms over ${latencies.length} uploads`,
        value: Math.round(percentile(latencies, 99)),
        unit: 'ms (p99)',
        baseline: `ack p99 ${percentile(load.latenciesMs, 99).toFixed(0)} ms, ${(load.acknowledged / load.seconds).toFixed(0)} uploads/s in the same run`,
        baselineValue: Math.round(percentile(load.latenciesMs, 99)),
        ratio: null,
        goal: 'p99 < 2000 ms',
        met: percentile(latencies, 99) < 2000,
      },
    ];
  } finally {
    await server.stop();
    await receiver.stop();
    await redis.stop();
    await store.destroy();
  }
}
