import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from '../admin/admin-auth.guard.js';
import { FIELDSYNC_CONFIG } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/** Settings the console needs besides the data: the map's tile server, the FTP door's port. */
@ApiTags('console')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
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
