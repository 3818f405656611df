import { Module } from '@nestjs/common';
import { ConsolidateBatchJob } from './jobs/consolidate-batch.job.js';
import { ReconcilerService } from './reconciler/reconciler.service.js';

/** The worker role: consolidate jobs and the reconciler that re-queues lost ones. */
@Module({ providers: [ConsolidateBatchJob, ReconcilerService] })
export class ConsolidatorModule {}
