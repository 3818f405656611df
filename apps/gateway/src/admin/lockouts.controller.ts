import { Controller, Delete, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AccountService, DeviceLogin } from '@fieldsync/sync-core';
import { AdminAuthGuard, SiteAdminOnly } from './admin-auth.guard.js';

/**
 * Lifts a lock-out after wrong secrets or passwords, for a device login or a person's login: for
 * every gateway in queue mode (the counts are in Redis), for the one process in embedded mode.
 */
@ApiTags('lockouts')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@SiteAdminOnly()
@Controller('api/v1/lockouts')
export class LockoutsController {
  constructor(
    @Inject(DeviceLogin) private readonly devices: DeviceLogin,
    @Inject(AccountService) private readonly accounts: AccountService,
  ) {}

  @Delete(':login')
  async clear(@Param('login') login: string) {
    return { cleared: (await this.devices.clear(login)) + (await this.accounts.clearLockout(login)) };
  }
}
