import { spawn } from 'node:child_process';
import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { geojsonBody } from './geojson-body.js';
import { BenchFigure, MB, rssBytes, sampleRss } from './measure.js';

const GOAL_DELTA_MB = 64;

function settle(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Peak RSS of a gateway receiving an `uploadMb` body, against the same process idle. */
export async function largeUploadMemory(kind: StoreKind, uploadMb: number): Promise<BenchFigure> {
  const uploadBytes = uploadMb * MB;
  const [store, redis] = await Promise.all([StoreUnderTest.create(kind), PrivateRedis.start()]);
  const gateway = await FieldSyncProcess.start({ store, redisUrl: redis.url, roles: 'gateway', env: { MAX_UPLOAD_BYTES: '300MB' } });
  try {
    const admin = new AdminClient(gateway.baseUrl);
    await admin.createProject('bench');
    const device = await admin.createDevice('bench');
    await settle(2000);
    const idle = sampleRss(gateway.pid);
    await settle(1000);
    const idleRss = Math.max(idle.stop(), rssBytes(gateway.pid));

    const peak = sampleRss(gateway.pid);
    const started = Date.now();
    const status = await new Promise<string>((resolve, reject) => {
      const client = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-u', `${device.login}:${device.secret}`, '-T', '-', `${gateway.baseUrl}/upload/big.geojson`]);
      let out = '';
      client.stdout.on('data', (chunk) => (out += chunk));
      client.on('error', reject);
      client.on('close', () => resolve(out));
      geojsonBody(uploadBytes).pipe(client.stdin);
    });
    const seconds = (Date.now() - started) / 1000;
    const peakRss = peak.stop();
    if (status !== '202') throw new Error(`upload answered ${status}`);
    const deltaMb = (peakRss - idleRss) / MB;
    return {
      benchmark: `${uploadMb} MB upload, gateway RSS (${kind})`,
      figure: `peak ${(peakRss / MB).toFixed(0)} MB (+${deltaMb.toFixed(1)} MB), ${(uploadMb / seconds).toFixed(0)} MB/s`,
      value: Number(deltaMb.toFixed(1)),
      unit: 'MB above idle',
      baseline: `idle RSS ${(idleRss / MB).toFixed(0)} MB`,
      baselineValue: Number((idleRss / MB).toFixed(1)),
      ratio: Number((peakRss / idleRss).toFixed(2)),
      goal: `< +${GOAL_DELTA_MB} MB`,
      met: deltaMb < GOAL_DELTA_MB,
    };
  } finally {
    await gateway.stop();
    await redis.stop();
    await store.destroy();
  }
}
