import { Body, Controller, Get, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminToken, Device, DeviceService, ProjectService } from '@fieldsync/sync-core';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth.guard.js';
import { CreateDeviceDto, UpdateDeviceDto } from './dto/admin.dto.js';

const deviceView = ({ id, name, login, enabled, createdAt }: Device) => ({ id, name, login, enabled, createdAt });

@ApiTags('devices')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/v1/projects/:slug/devices')
export class DevicesController {
  constructor(@Inject(ProjectService) private readonly projects: ProjectService, @Inject(DeviceService) private readonly devices: DeviceService) {}

  /** The secret is in this answer only; it is stored as a hash. */
  @Post()
  async create(@CurrentAdmin() admin: AdminToken, @Param('slug') slug: string, @Body() body: CreateDeviceDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    const { device, secret } = await this.devices.create(project, body.name);
    return { ...deviceView(device), secret };
  }

  @Get()
  async list(@CurrentAdmin() admin: AdminToken, @Param('slug') slug: string) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return { devices: (await this.devices.list(project)).map(deviceView) };
  }

  @Patch(':deviceId')
  async update(@CurrentAdmin() admin: AdminToken, @Param('slug') slug: string, @Param('deviceId') deviceId: string, @Body() body: UpdateDeviceDto) {
    const project = await this.projects.bySlug(slug, admin.projectIds);
    return deviceView(await this.devices.setEnabled(project, deviceId, body.enabled));
  }
}
