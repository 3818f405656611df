import { Module } from '@nestjs/common';
import { ConsolidateBatchJob } from './jobs/consolidate-batch.job.js';
import { PullSourceJob } from './jobs/pull-source.job.js';
import { ReconcilerService } from './reconciler/reconciler.service.js';

/** The worker role: consolidate and pull jobs, and the reconciler that re-queues lost batches. */
@Module({ providers: [ConsolidateBatchJob, PullSourceJob, ReconcilerService] })
export class ConsolidatorModule {}
