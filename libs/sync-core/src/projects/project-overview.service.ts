import { Database } from '../db/database.js';
import { Device, Project } from '../db/entities/index.js';
import { DeviceActivity, ProjectCounts, ProjectOverviewQueries } from '../db/repositories/project-overview.queries.js';

export interface ProjectOverview extends ProjectCounts {
  /** One entry per day of the last `days` (UTC), oldest first, zero where nothing arrived. */
  uploadsPerDay: { day: string; batches: number }[];
}

const DAY_MS = 86_400_000;

/** What the console shows of a project at a glance, and of each device. */
export class ProjectOverviewService {
  private readonly queries: ProjectOverviewQueries;

  constructor(database: Database) {
    this.queries = new ProjectOverviewQueries(database);
  }

  async overview(project: Project, days = 14, now = Date.now()): Promise<ProjectOverview> {
    const dayList = Array.from({ length: days }, (_, index) => new Date(now - (days - 1 - index) * DAY_MS).toISOString().slice(0, 10));
    const counts = await this.queries.counts(project.id);
    const perDay = new Map((await this.queries.uploadsPerDay(project.id, dayList[0])).map((entry) => [entry.day, entry.batches]));
    return { ...counts, uploadsPerDay: dayList.map((day) => ({ day, batches: perDay.get(day) ?? 0 })) };
  }

  deviceActivity(devices: Device[]): Promise<Map<string, DeviceActivity>> {
    return this.queries.deviceActivity(devices.map((device) => device.id));
  }
}
