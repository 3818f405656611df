import { Database } from '../database.js';
import { BatchStatus, Door } from '../entities/index.js';

export interface ProjectCounts {
  sightings: number;
  devices: number;
  /** Batches received and not yet merged (waiting or being merged). */
  waiting: number;
  failed: number;
  lastUploadAt: string | null;
}

export interface DeviceActivity {
  lastSeenAt: string;
  door: Door;
  status: BatchStatus;
}

/** The counts an administrator sees first on a project, read in one go from the tables that hold them. */
export class ProjectOverviewQueries {
  constructor(private readonly database: Database) {}

  async counts(projectId: string): Promise<ProjectCounts> {
    return this.database.read(async (reader) => {
      const count = async (sql: string, params: unknown[]) => Number((await this.database.queryInTx<{ n: string | number }>(reader, sql, params))[0]?.n ?? 0);
      const sightings = await count('SELECT COUNT(*) AS n FROM sighting WHERE project_id = ? AND deleted = ?', [projectId, false]);
      const devices = await count('SELECT COUNT(*) AS n FROM device WHERE project_id = ?', [projectId]);
      const waiting = await count("SELECT COUNT(*) AS n FROM batch WHERE project_id = ? AND status IN ('received', 'processing')", [projectId]);
      const failed = await count("SELECT COUNT(*) AS n FROM batch WHERE project_id = ? AND status = 'failed'", [projectId]);
      const [last] = await this.database.queryInTx<{ at: string | null }>(reader, 'SELECT MAX(received_at) AS at FROM batch WHERE project_id = ?', [projectId]);
      return { sightings, devices, waiting, failed, lastUploadAt: last?.at ?? null };
    });
  }

  /** Batches received per day (UTC) since `sinceDay` (YYYY-MM-DD), days without any left out. */
  async uploadsPerDay(projectId: string, sinceDay: string): Promise<{ day: string; batches: number }[]> {
    const rows = await this.database.queryAlone<{ day: string; n: string | number }>(
      'SELECT SUBSTR(received_at, 1, 10) AS day, COUNT(*) AS n FROM batch WHERE project_id = ? AND received_at >= ? GROUP BY SUBSTR(received_at, 1, 10) ORDER BY day',
      [projectId, sinceDay],
    );
    return rows.map((row) => ({ day: row.day, batches: Number(row.n) }));
  }

  /** Each device's last upload: when, through which door, and how its batch ended. */
  async deviceActivity(deviceIds: string[]): Promise<Map<string, DeviceActivity>> {
    const activity = new Map<string, DeviceActivity>();
    await this.database.read(async (reader) => {
      for (const deviceId of deviceIds) {
        const [last] = await this.database.queryInTx<{ received_at: string; door: Door; status: BatchStatus }>(
          reader,
          'SELECT received_at, door, status FROM batch WHERE device_id = ? ORDER BY received_at DESC LIMIT 1',
          [deviceId],
        );
        if (last) activity.set(deviceId, { lastSeenAt: last.received_at, door: last.door, status: last.status });
      }
    });
    return activity;
  }
}
