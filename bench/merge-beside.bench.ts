import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { closedLoopLoad, percentile } from './load.js';
import { BenchFigure } from './measure.js';
import { smallBatch } from './small-uploads.bench.js';

const ROWS = 500_000;
const DEVICES = 4;
const SECONDS = 15;
const GOAL_RATIO = 2;

function bigCsv(rows: number): Buffer {
  const lines = ['id,deviceId,dateTime,latitude,longitude,Species,Count'];
  for (let index = 0; index < rows; index++) lines.push(`big-${index},ct-1,2026-03-01T10:00:00Z,-24.1,31.5,Impala,${index % 40}`);
  return Buffer.from(lines.join('\n'));
}

/**
 * The embedded default (SQLite, embedded mode): 4 devices sending small uploads while a
 * 500,000-row CSV merges, beside the same load with nothing merging, in one run. The figure is
 * the small uploads' acknowledgement p99 under the merge; goal: at most twice the one without.
 */
export async function smallUploadsBesideMerge(): Promise<BenchFigure> {
  const store = await StoreUnderTest.create('sqlite');
  const server = await FieldSyncProcess.start({ store, redisUrl: null });
  try {
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('bench');
    const devices = await Promise.all(Array.from({ length: DEVICES + 1 }, (_, i) => admin.createDevice('bench', `d${i}`)));
    const headers = devices.map((device) => ({ authorization: `Basic ${Buffer.from(`${device.login}:${device.secret}`).toString('base64')}`, 'content-type': 'application/json' }));
    const alone = await closedLoopLoad(
      `${server.baseUrl}/upload`,
      DEVICES,
      SECONDS,
      (client) => headers[client]!,
      (client, n) => smallBatch(client, n, 'alone'),
    );

    const body = bigCsv(ROWS);
    const sent = await fetch(`${server.baseUrl}/upload`, { method: 'POST', headers: { ...headers[DEVICES]!, 'content-type': 'text/csv', 'x-file-name': 'big.csv' }, body });
    const { batches } = (await sent.json()) as { batches: { id: string }[] };
    const merging = async () => (await admin.batch(batches[0]!.id)).status === 'processing' || (await admin.batch(batches[0]!.id)).status === 'received';
    const beside = await closedLoopLoad(
      `${server.baseUrl}/upload`,
      DEVICES,
      SECONDS,
      (client) => headers[client]!,
      (client, n) => smallBatch(client, n, 'beside'),
    );
    const stillMerging = await merging();
    await admin.settled(batches[0]!.id, 600_000);

    const p99 = percentile(beside.latenciesMs, 99);
    const baseline = percentile(alone.latenciesMs, 99);
    return {
      benchmark: `Small-upload acknowledgement while a ${ROWS.toLocaleString('en')}-row CSV merges (sqlite, embedded)`,
      figure: `p99 ${p99.toFixed(0)} ms (${beside.acknowledged} uploads in ${SECONDS} s${stillMerging ? ', the merge still running at the end' : ', the merge ended within the window'})`,
      value: Math.round(p99),
      unit: 'ms',
      baseline: `the same load with nothing merging: p99 ${baseline.toFixed(0)} ms (${alone.acknowledged} uploads)`,
      baselineValue: Math.round(baseline),
      ratio: Number((p99 / baseline).toFixed(3)),
      goal: `≤ ${GOAL_RATIO} × without the merge`,
      met: p99 / baseline <= GOAL_RATIO,
    };
  } finally {
    await server.stop();
    await store.destroy();
  }
}
