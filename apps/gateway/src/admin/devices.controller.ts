import { Body, Controller, Delete, Get, Header, Inject, Param, Patch, Post, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Device, DeviceLogin, DeviceService, FIELDSYNC_CONFIG, ProjectOverviewService, ProjectService } from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';
import { deviceSetup } from './device-setup.js';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import type { Principal } from './admin-auth.guard.js';
import { CreateDeviceDto, UpdateDeviceDto } from './dto/admin.dto.js';

const deviceView = ({ id, name, login, enabled, createdAt }: Device) => ({ id, name, login, enabled, createdAt });

@ApiTags('devices')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/devices')
export class DevicesController {
  constructor(
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(DeviceService) private readonly devices: DeviceService,
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
    @Inject(ProjectOverviewService) private readonly overview: ProjectOverviewService,
    @Inject(DeviceLogin) private readonly logins: DeviceLogin,
  ) {}

  /** The secret, and the settings that carry it, are in this answer only; it is stored as a hash. */
  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Body() body: CreateDeviceDto, @Req() request: Request) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { device, secret } = await this.devices.create(project, body.name);
    return { ...deviceView(device), secret, setup: await deviceSetup(request, this.config, project, device, secret) };
  }

  /** A new secret: the old one and every device URL made with it stop working at once. */
  @Post(':deviceId/secret')
  @Header('Cache-Control', 'no-store')
  async rotateSecret(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('deviceId') deviceId: string, @Req() request: Request) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { device, secret } = await this.devices.rotateSecret(project, deviceId);
    return { ...deviceView(device), secret, setup: await deviceSetup(request, this.config, project, device, secret) };
  }

  /**
   * Each device with its last upload (when, through which door, how that batch ended) and the
   * wrong secrets sent for it in the last 15 minutes: a device that cannot finish because someone
   * typed its secret wrong shows here, and a manager can lift its lock-out (below).
   */
  @Get()
  async list(@CurrentAdmin() admin: Principal, @Param('slug') slug: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const devices = await this.devices.list(project);
    const [activity, wrongSecrets] = await Promise.all([this.overview.deviceActivity(devices), Promise.all(devices.map((device) => this.logins.wrongSecrets(device)))]);
    return {
      devices: devices.map((device, index) => {
        const last = activity.get(device.id);
        return { ...deviceView(device), lastSeenAt: last?.lastSeenAt ?? null, lastDoor: last?.door ?? null, lastBatchStatus: last?.status ?? null, wrongSecrets: wrongSecrets[index] };
      }),
    };
  }

  /** Forgets the device's wrong secrets, so it may log in again at once (in queue mode, on every gateway). */
  @Delete(':deviceId/lockout')
  async liftLockout(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('deviceId') deviceId: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const device = await this.devices.byId(project, deviceId);
    await this.logins.clearDevice(device);
    return { ...deviceView(device), wrongSecrets: await this.logins.wrongSecrets(device) };
  }

  @Patch(':deviceId')
  async update(@CurrentAdmin() admin: Principal, @Param('slug') slug: string, @Param('deviceId') deviceId: string, @Body() body: UpdateDeviceDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return deviceView(await this.devices.update(project, deviceId, body));
  }
}
