import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { AttachmentService } from './attachments/attachment.service.js';
import { AdminTokenService } from './auth/admin-token.service.js';
import { DeviceLogin } from './auth/device-login.js';
import { FAILURE_COUNTS, MemoryFailureCounts, RedisFailureCounts } from './auth/failure-counts.js';
import type { FailureCounts } from './auth/failure-counts.js';
import { RedisLink } from './queue/redis.js';
import { BatchService } from './batches/batch.service.js';
import { FIELDSYNC_CONFIG, FieldSyncConfig } from './config/config.js';
import { databaseProblem } from './config/start-up-errors.js';
import { Database } from './db/database.js';
import { EarthRangerEventService } from './earthranger/event.service.js';
import { DeliveryService } from './delivery/delivery.service.js';
import { SubscriptionService } from './delivery/subscription.service.js';
import { FeedService } from './feed/feed.service.js';
import { SightingReader } from './feed/sighting-reader.service.js';
import { ReviewDesk } from './review/review-desk.service.js';
import { FeatureCollections } from './features/feature-collections.js';
import { SightingReports } from './review/sighting-reports.js';
import { BlobStore } from './ingest/blob-store.js';
import { IngestService } from './ingest/ingest.service.js';
import { UploadSlots } from './ingest/upload-slots.js';
import { MergeService } from './merge/merge.service.js';
import { FormService } from './openrosa/form.service.js';
import { SubmissionService } from './openrosa/submission.service.js';
import { DeviceService } from './projects/device.service.js';
import { AccountService } from './people/account.service.js';
import { AuditService } from './people/audit.service.js';
import { SessionService } from './people/session.service.js';
import { ProjectService } from './projects/project.service.js';
import { ProjectOverviewService } from './projects/project-overview.service.js';
import { PullService } from './pull/pull.service.js';
import { SourcePolicy } from './pull/source-policy.js';
import { SourceService } from './pull/source.service.js';
import { ConsolidateQueue } from './queue/consolidate-queue.js';
import { BullMqTransport } from './queue/bullmq-transport.js';
import { InProcessTransport } from './queue/in-process-transport.js';
import { PullQueue } from './queue/pull-queue.js';
import { QUEUE_TRANSPORT } from './queue/queue-transport.js';
import type { QueueTransport } from './queue/queue-transport.js';

/** Closes the queue and then the database, after the apps' own shutdown hooks. */
@Injectable()
class SyncCoreShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(QUEUE_TRANSPORT) private readonly transport: QueueTransport,
    @Inject(FAILURE_COUNTS) private readonly counts: FailureCounts,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.counts instanceof RedisFailureCounts) this.counts.close();
    await this.transport.close();
    await this.database.close();
  }
}

const byDatabase = <T>(make: (database: Database) => T) => ({ useFactory: make, inject: [Database] });

/** The domain services every app uses, wired once; the config is validated before this is built. */
@Global()
@Module({})
export class SyncCoreModule {
  static forRoot(config: FieldSyncConfig): DynamicModule {
    // One watch over every Redis connection of the process, so a lost Redis is said once.
    const redis = config.redisUrl ? new RedisLink(config.redisUrl) : null;
    const providers = [
      { provide: FIELDSYNC_CONFIG, useValue: config },
      { provide: Database, useFactory: () => Database.open(config.database).catch((error: unknown) => Promise.reject(databaseProblem(error, config.database))) },
      { provide: QUEUE_TRANSPORT, useFactory: (): QueueTransport => (redis ? new BullMqTransport(redis, config.queuePrefix) : new InProcessTransport()) },
      { provide: ConsolidateQueue, useFactory: (transport: QueueTransport) => new ConsolidateQueue(transport), inject: [QUEUE_TRANSPORT] },
      { provide: PullQueue, useFactory: (transport: QueueTransport) => new PullQueue(transport), inject: [QUEUE_TRANSPORT] },
      { provide: SourcePolicy, useValue: new SourcePolicy(config.sources, [config.dataDir, ...(config.blobDir ? [config.blobDir] : [])]) },
      {
        provide: SourceService,
        useFactory: (database: Database, policy: SourcePolicy, schedules: PullQueue) => new SourceService(database, config.secretKey, policy, schedules),
        inject: [Database, SourcePolicy, PullQueue],
      },
      {
        provide: PullService,
        useFactory: (database: Database, sources: SourceService, ingest: IngestService, policy: SourcePolicy) => new PullService(database, sources, ingest, config.pullSettleMs, policy),
        inject: [Database, SourceService, IngestService, SourcePolicy],
      },
      { provide: BlobStore, ...byDatabase((database) => BlobStore.open(database, config.blobDir)) },
      { provide: UploadSlots, useValue: new UploadSlots(config.maxUploadsPerDevice) },
      { provide: ProjectService, ...byDatabase((database) => new ProjectService(database)) },
      { provide: DeviceService, ...byDatabase((database) => new DeviceService(database)) },
      {
        provide: FAILURE_COUNTS,
        useFactory: (): FailureCounts => (redis ? new RedisFailureCounts(redis.connect('producer', { autoPipelining: true }), config.queuePrefix) : new MemoryFailureCounts()),
      },
      { provide: DeviceLogin, useFactory: (devices: DeviceService, counts: FailureCounts) => new DeviceLogin(devices, counts), inject: [DeviceService, FAILURE_COUNTS] },
      { provide: AdminTokenService, ...byDatabase((database) => new AdminTokenService(database)) },
      { provide: AccountService, useFactory: (database: Database, counts: FailureCounts) => new AccountService(database, counts), inject: [Database, FAILURE_COUNTS] },
      { provide: SessionService, ...byDatabase((database) => new SessionService(database)) },
      { provide: AuditService, ...byDatabase((database) => new AuditService(database)) },
      { provide: BatchService, ...byDatabase((database) => new BatchService(database)) },
      { provide: ProjectOverviewService, ...byDatabase((database) => new ProjectOverviewService(database)) },
      { provide: SubscriptionService, ...byDatabase((database) => new SubscriptionService(database, config)) },
      {
        provide: DeliveryService,
        useFactory: (database: Database, subscriptions: SubscriptionService) => new DeliveryService(database, subscriptions, config),
        inject: [Database, SubscriptionService],
      },
      { provide: SightingReader, ...byDatabase((database) => new SightingReader(database)) },
      { provide: ReviewDesk, ...byDatabase((database) => new ReviewDesk(database)) },
      { provide: FeatureCollections, ...byDatabase((database) => new FeatureCollections(database)) },
      { provide: SightingReports, ...byDatabase((database) => new SightingReports(database)) },
      { provide: FeedService, ...byDatabase((database) => new FeedService(database)) },
      {
        provide: IngestService,
        useFactory: (database: Database, blobs: BlobStore, queue: ConsolidateQueue, merge: MergeService) =>
          new IngestService(database, blobs, queue, merge, { maxUploadBytes: config.maxUploadBytes, inlineMergeMaxBytes: config.inlineMergeMaxBytes }),
        inject: [Database, BlobStore, ConsolidateQueue, MergeService],
      },
      { provide: FormService, useFactory: (database: Database, blobs: BlobStore) => new FormService(database, blobs), inject: [Database, BlobStore] },
      {
        provide: SubmissionService,
        useFactory: (database: Database, ingest: IngestService, forms: FormService) => new SubmissionService(database, ingest, forms),
        inject: [Database, IngestService, FormService],
      },
      {
        provide: EarthRangerEventService,
        useFactory: (database: Database, blobs: BlobStore, ingest: IngestService) => new EarthRangerEventService(database, blobs, ingest),
        inject: [Database, BlobStore, IngestService],
      },
      {
        provide: AttachmentService,
        useFactory: (database: Database, blobs: BlobStore) => new AttachmentService(database, blobs),
        inject: [Database, BlobStore],
      },
      {
        provide: MergeService,
        useFactory: (database: Database, blobs: BlobStore) => new MergeService(database, blobs),
        inject: [Database, BlobStore],
      },
      SyncCoreShutdown,
    ];
    return { module: SyncCoreModule, providers, exports: providers.filter((provider) => provider !== SyncCoreShutdown) };
  }
}
