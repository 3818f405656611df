import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process; /metrics shows what every role in the process counted. */
export const metricsRegistry = new Registry();
// Node's own names already start with process_ or nodejs_: fieldsync_process_cpu_seconds_total, not …_process_process_….
collectDefaultMetrics({ register: metricsRegistry, prefix: 'fieldsync_' });

export const batchesReceived = new Counter({
  name: 'fieldsync_batches_received_total',
  help: 'Batches committed by a door',
  labelNames: ['door'] as const,
  registers: [metricsRegistry],
});

export const bytesReceived = new Counter({
  name: 'fieldsync_received_bytes_total',
  help: 'Bytes stored for committed batches',
  labelNames: ['door'] as const,
  registers: [metricsRegistry],
});

export const batchesMerged = new Counter({
  name: 'fieldsync_batches_merged_total',
  help: 'Batches merged, at upload or by a consolidator, by resulting status',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export const sightingsMerged = new Counter({
  name: 'fieldsync_sighting_records_total',
  help: 'Records merged, by outcome (new, updated, duplicate, rejected)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const mergeSeconds = new Histogram({
  name: 'fieldsync_merge_seconds',
  help: 'Time to consolidate one batch',
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
  registers: [metricsRegistry],
});

export const groupCommitSeconds = new Histogram({
  name: 'fieldsync_upload_group_seconds',
  help: 'Time of one transaction committing a group of uploads (and merging the small ones)',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [metricsRegistry],
});

export const groupCommitUploads = new Histogram({
  name: 'fieldsync_upload_group_size',
  help: 'Uploads committed together in one transaction',
  buckets: [1, 2, 4, 8, 16, 32, 64],
  registers: [metricsRegistry],
});

export const deliveries = new Counter({
  name: 'fieldsync_deliveries_total',
  help: 'POSTs to subscriptions, by outcome (delivered, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const sightingsDelivered = new Counter({
  name: 'fieldsync_delivered_sightings_total',
  help: 'Sighting versions delivered to subscriptions (acknowledged with a 2xx)',
  registers: [metricsRegistry],
});

/** Read from the database when /metrics is asked: any process serving it sees every subscription. */
export const subscriptionsByState = new Gauge({
  name: 'fieldsync_subscriptions',
  help: 'Subscriptions by state (ok, retrying, failing, disabled)',
  labelNames: ['state'] as const,
  registers: [metricsRegistry],
});

/** Read from the database when /metrics is asked, like the subscriptions. */
export const batchesByStatus = new Gauge({
  name: 'fieldsync_batches',
  help: 'Batches not finished: received (waiting for a merge), processing, failed',
  labelNames: ['status'] as const,
  registers: [metricsRegistry],
});

export const oldestWaitingBatchSeconds = new Gauge({
  name: 'fieldsync_oldest_waiting_batch_seconds',
  help: 'Age of the oldest batch still waiting to be merged (0 when none waits): a growing value is a backlog',
  registers: [metricsRegistry],
});
