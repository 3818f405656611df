import { Database } from '../db/database.js';
import { QueueTransport } from '../queue/queue-transport.js';
import { withinTime } from '../time-limit.js';

// Longer than the queue's own wait for a first connection, so its plain words reach the answer.
const CHECK_TIMEOUT_MS = 2500;

export interface Readiness {
  ready: boolean;
  body: Record<string, unknown>;
}

/**
 * Ready means the database and the queue answer (in embedded mode the queue is this process);
 * uploads are still accepted while Redis is away, but an operator should know. The same check
 * for the gateway's /health/ready and the other roles' HEALTH_PORT.
 */
export async function readiness(database: Database, queue: QueueTransport): Promise<Readiness> {
  const check = (probe: Promise<unknown>) =>
    withinTime(probe, CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS} ms`).then(
      () => ({ status: 'ok' }),
      (error: Error) => ({ status: 'down', error: error.message }),
    );
  const [databaseState, queueState] = await Promise.all([check(database.ping()), check(queue.ping())]);
  const ready = databaseState.status === 'ok' && queueState.status === 'ok';
  const queueKey = queue.mode === 'queue' ? 'redis' : 'queue';
  return { ready, body: { status: ready ? 'ok' : 'degraded', mode: queue.mode, database: databaseState, [queueKey]: queueState } };
}
