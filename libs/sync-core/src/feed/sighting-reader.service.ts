import { Database } from '../db/database.js';
import { Batch, Device, Project, Sighting } from '../db/entities/index.js';
import { SightingFilter } from '../db/repositories/feed.queries.js';
import { MapCluster, MapView, SightingMapQueries, StoredVersionRow } from '../db/repositories/sighting-map.queries.js';
import { NotFoundError } from '../errors.js';
import { NO_SENDER, Sender, sightingView, SightingView } from './sighting-formats.js';

export interface SightingDetail {
  sighting: SightingView & { receivedAt: string; updatedAt: string; changedBy: string | null; changeReason: string | null };
  /** The versions it had before, newest first (changes merged within one batch step keep only the last). */
  earlierVersions: StoredVersionRow[];
}

/** Reads for people looking at sightings: one sighting with its history, and the map's clusters. */
export class SightingReader {
  private readonly queries: SightingMapQueries;

  constructor(private readonly database: Database) {
    this.queries = new SightingMapQueries(database);
  }

  async detail(project: Project, uid: string): Promise<SightingDetail> {
    return this.database.read(async (reader) => {
      const row = await reader.findOneBy(Sighting, { projectId: project.id, uid });
      if (!row) throw new NotFoundError(`no sighting "${uid}" in project "${project.slug}"`);
      const earlierVersions = await this.queries.earlierVersions(reader, project.id, uid);
      const batch = await reader.findOne(Batch, { select: { id: true, deviceId: true }, where: { id: row.batchId } });
      const device = batch?.deviceId ? await reader.findOne(Device, { select: { id: true, name: true, login: true }, where: { id: batch.deviceId } }) : null;
      const sender: Sender = device ? { deviceName: device.name, deviceLogin: device.login } : NO_SENDER;
      return {
        sighting: { ...sightingView({ ...row, ...sender }), receivedAt: row.receivedAt, updatedAt: row.updatedAt, changedBy: row.changedBy, changeReason: row.changeReason },
        earlierVersions,
      };
    });
  }

  clusters(project: Project, filter: SightingFilter, view: MapView): Promise<MapCluster[]> {
    return this.database.transaction((tx) => this.queries.clustersInTx(tx, project.id, filter, view));
  }
}
