import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import type { QueueMode } from '../test/support/suite.js';
import { bareUploadServer } from './baselines.js';
import { closedLoopLoad, percentile } from './load.js';
import { BenchFigure } from './measure.js';

const DEVICES = 32;
const SECONDS = 20;

export function smallBatch(client: number, n: number, prefix = 'small'): Buffer {
  const features = Array.from({ length: 5 }, (_, i) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [31.5, -24.1] },
    properties: { id: `${prefix}-${client}-${n}-${i}`, deviceId: `ct-${client}`, dateTime: '2026-03-01T10:00:00+02:00', latitude: -24.1, longitude: 31.5, sighting: { Species: 'Lion', Count: i } },
  }));
  return Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }));
}

/**
 * 32 devices each sending 5 sightings as fast as they are acknowledged, for 20 s, while a reader
 * follows the feed; beside it the same load against a bare node:http server that fsyncs each
 * body. Gives uploads/s, time to acknowledge, and time from 202 to visible in the feed, in
 * queue mode (BullMQ on a private Redis) or embedded mode (the queue in the one process).
 */
export async function smallUploads(kind: StoreKind, mode: QueueMode = 'queue'): Promise<BenchFigure[]> {
  const [store, redis] = await Promise.all([StoreUnderTest.create(kind), mode === 'queue' ? PrivateRedis.start() : null]);
  const server = await FieldSyncProcess.start({ store, redisUrl: redis?.url ?? null, env: { CONSOLIDATOR_CONCURRENCY: '4' } });
  const label = `${kind}, ${mode} mode`;
  try {
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('bench');
    const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => admin.createDevice('bench', `d${i}`)));
    const auth = devices.map((device) => ({ authorization: `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`, 'content-type': 'application/json' }));

    const acked = new Map<string, number>();
    // The reader can see a row before the bench process has handled its 202 (the server commits,
    // then answers): such an upload was visible at its acknowledgement.
    const seenBeforeAck = new Set<string>();
    const visibleMs: number[] = [];
    const onAck = (client: number, n: number, at: number) => {
      const id = `small-${client}-${n}-0`;
      if (seenBeforeAck.delete(id)) visibleMs.push(0);
      else acked.set(id, at);
    };
    let reading = true;
    const reader = (async () => {
      let after = '0';
      while (reading || acked.size > 0) {
        const page = await admin.expect<{ sightings: { id: string }[]; next: string }>(200, 'GET', `/api/v1/projects/bench/sightings?after=${after}&limit=10000`);
        const now = Date.now();
        for (const row of page.sightings) {
          const at = acked.get(row.id);
          if (at !== undefined) {
            visibleMs.push(now - at);
            acked.delete(row.id);
          } else if (row.id.endsWith('-0')) seenBeforeAck.add(row.id);
        }
        after = page.next;
        if (!reading && page.sightings.length === 0 && acked.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        if (page.sightings.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        if (!reading && acked.size === 0) break;
      }
    })();
    const ours = await closedLoopLoad(`${server.baseUrl}/upload`, DEVICES, SECONDS, (client) => auth[client], smallBatch, onAck);
    reading = false;
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([reader, new Promise((resolve) => (giveUp = setTimeout(resolve, 120_000)))]);
    clearTimeout(giveUp);
    if (acked.size > 0) throw new Error(`${acked.size} acknowledged uploads never appeared in the feed`);

    const bare = await bareUploadServer();
    const baseline = await closedLoopLoad(bare.url, DEVICES, SECONDS, () => ({ 'content-type': 'application/json' }), smallBatch);
    await bare.close();

    const rate = ours.acknowledged / ours.seconds;
    const baseRate = baseline.acknowledged / baseline.seconds;
    const sortedVisible = visibleMs.sort((a, b) => a - b);
    return [
      {
        benchmark: `Small uploads, 32 devices × 5 sightings, 20 s (${label})`,
        figure: `${rate.toFixed(0)} uploads/s, ack p50 ${percentile(ours.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(ours.latenciesMs, 99).toFixed(1)} ms${ours.failed ? `, ${ours.failed} failed` : ''}`,
        value: Math.round(rate),
        unit: 'uploads/s',
        baseline: `bare node:http + fsync ${baseRate.toFixed(0)} uploads/s (p99 ${percentile(baseline.latenciesMs, 99).toFixed(1)} ms)`,
        baselineValue: Math.round(baseRate),
        ratio: Number((rate / baseRate).toFixed(3)),
        goal: '≥ 0.4 × bare, ack p99 < 100 ms',
        met: rate / baseRate >= 0.4 && percentile(ours.latenciesMs, 99) < 100,
      },
      {
        benchmark: `Upload to visible in the feed, under that load (${label})`,
        figure: `p50 ${percentile(sortedVisible, 50).toFixed(0)} ms, p99 ${percentile(sortedVisible, 99).toFixed(0)} ms over ${sortedVisible.length} uploads`,
        value: Math.round(percentile(sortedVisible, 99)),
        unit: 'ms (p99)',
        baseline: '—',
        baselineValue: 0,
        ratio: null,
        goal: 'p99 < 250 ms',
        met: percentile(sortedVisible, 99) < 250,
      },
    ];
  } finally {
    await server.stop();
    await redis?.stop();
    await store.destroy();
  }
}
