import { DynamicModule, Module } from '@nestjs/common';
import { FieldSyncConfig, SyncCoreModule } from '@fieldsync/sync-core';
import { ConsolidatorModule } from '../apps/consolidator/src/consolidator.module.js';
import { FtpIngestModule } from '../apps/ftp-ingest/src/ftp-ingest.module.js';
import { GatewayModule } from '../apps/gateway/src/gateway.module.js';
import { HealthPort } from './health-port.js';

/** One process, the roles FIELDSYNC_ROLES asks for, sharing one database connection. */
@Module({})
export class AppModule {
  static forRoles(config: FieldSyncConfig): DynamicModule {
    const roleModules = { gateway: GatewayModule, 'ftp-ingest': FtpIngestModule, consolidator: ConsolidatorModule };
    return {
      module: AppModule,
      imports: [SyncCoreModule.forRoot(config), ...config.roles.map((role) => roleModules[role])],
      // The gateway answers health checks itself; other roles may on HEALTH_PORT.
      providers: config.roles.includes('gateway') ? [] : [HealthPort],
    };
  }
}
