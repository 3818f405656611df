import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditInterceptor } from './admin/audit.interceptor.js';
import { AttachmentsController } from './admin/attachments.controller.js';
import { BackupController } from './admin/backup.controller.js';
import { BatchesController } from './admin/batches.controller.js';
import { EventStreams } from './admin/event-streams.js';
import { JsonBodyInterceptor } from './admin/json-body.interceptor.js';
import { DevicesController } from './admin/devices.controller.js';
import { FormsController } from './admin/forms.controller.js';
import { LockoutsController } from './admin/lockouts.controller.js';
import { PeopleController } from './admin/people.controller.js';
import { SessionController } from './admin/session.controller.js';
import { AuditController } from './admin/audit.controller.js';
import { ProjectsController } from './admin/projects.controller.js';
import { SightingsController } from './admin/sightings.controller.js';
import { SourcesController } from './admin/sources.controller.js';
import { SubscriptionsController } from './admin/subscriptions.controller.js';
import { TokensController } from './admin/tokens.controller.js';
import { AdminBootstrap } from './admin/admin-bootstrap.js';
import { EarthRangerController } from './earthranger/earthranger.controller.js';
import { HealthController } from './health/health.controller.js';
import { HttpDoorShutdown } from './http-door-shutdown.js';
import { ConsoleSettingsController } from './console/console-settings.controller.js';
import { OpenRosaController } from './openrosa/openrosa.controller.js';
import { UploadController } from './upload/upload.controller.js';
import { ReportsController } from './admin/reports.controller.js';
import { OgcFeaturesController } from './ogcapi/ogc-features.controller.js';
import { ODataController } from './odata/odata.controller.js';

/** The HTTP role: device uploads, the admin API, health and metrics. */
@Module({
  controllers: [
    UploadController,
    OpenRosaController,
    EarthRangerController,
    ProjectsController,
    DevicesController,
    BatchesController,
    SightingsController,
    ReportsController,
    OgcFeaturesController,
    ODataController,
    TokensController,
    AttachmentsController,
    SourcesController,
    SubscriptionsController,
    FormsController,
    SessionController,
    ConsoleSettingsController,
    PeopleController,
    AuditController,
    LockoutsController,
    HealthController,
    BackupController,
  ],
  providers: [AdminBootstrap, EventStreams, HttpDoorShutdown, { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor }, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
})
export class GatewayModule {}
