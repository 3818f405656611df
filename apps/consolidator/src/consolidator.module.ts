import { Module } from '@nestjs/common';
import { ConsolidateBatchJob } from './jobs/consolidate-batch.job.js';
import { DeliveryWorker } from './jobs/delivery.worker.js';
import { PullSourceJob } from './jobs/pull-source.job.js';
import { ReconcilerService } from './reconciler/reconciler.service.js';

/** The worker role: consolidate and pull jobs, outbound delivery, and the reconciler that re-queues lost batches. */
@Module({ providers: [ConsolidateBatchJob, PullSourceJob, DeliveryWorker, ReconcilerService] })
export class ConsolidatorModule {}
