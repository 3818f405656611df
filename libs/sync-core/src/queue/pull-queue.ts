import { JobName, PullSourcePayload, QueueName } from './queue.contract.js';
import { QueueTransport } from './queue-transport.js';

/** The producer side of the pull queue: a repeating job per source, and "pull now". */
export class PullQueue {
  constructor(private readonly transport: QueueTransport) {}

  /** Makes the queue's schedules match the sources: one repeating job each, none for deleted ones. */
  async syncSchedules(sources: { id: string; everyMinutes: number }[]): Promise<void> {
    await this.transport.setSchedules<PullSourcePayload>(
      QueueName.Pull,
      JobName.PullSource,
      sources.map((source) => ({ key: `source:${source.id}`, everyMs: source.everyMinutes * 60_000, data: { sourceId: source.id } })),
    );
  }

  /** Pulls a source as soon as a consolidator is free. */
  async runNow(sourceId: string): Promise<void> {
    await this.transport.add<PullSourcePayload>(QueueName.Pull, JobName.PullSource, { sourceId }, { jobId: `now:${sourceId}:${Date.now()}` });
  }
}
