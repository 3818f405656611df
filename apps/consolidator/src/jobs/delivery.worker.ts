import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DeliveryService, FIELDSYNC_CONFIG, PeriodicTask } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/**
 * Pushes the projects' sightings to their subscriptions: every DELIVERY_POLL_MS it delivers
 * whatever is due, until nothing is. Subscriptions are claimed in the database, so any number of
 * consolidators can run this side by side; a stop waits for the POST in flight.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Delivery');
  private readonly rounds: PeriodicTask;

  constructor(@Inject(DeliveryService) delivery: DeliveryService, @Inject(FIELDSYNC_CONFIG) config: FieldSyncConfig) {
    this.rounds = new PeriodicTask(
      async () => void (await delivery.round(() => this.rounds.stopping)),
      config.delivery.pollMs,
      (error) => this.logger.warn(`delivery round failed: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.rounds.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rounds.stop();
  }
}
