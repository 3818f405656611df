import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { FIELDSYNC_CONFIG } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/** What the console needs before anyone signs in: nothing secret. */
@ApiTags('console')
@Controller('api/v1/console')
export class ConsoleSettingsController {
  constructor(@Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig) {}

  @Get('settings')
  settings() {
    return {
      mapTiles: this.config.mapTiles,
      ftp: { port: this.config.ftp.port, requireTls: this.config.ftp.requireTls },
    };
  }
}
