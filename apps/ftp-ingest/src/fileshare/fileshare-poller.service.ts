import { statSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  BatchService,
  ConfigError,
  DeviceService,
  FIELDSYNC_CONFIG,
  FAILED_FOLDER,
  FileStability,
  FileState,
  FolderIntake,
  PROCESSED_FOLDER,
  IngestService,
  PeriodicTask,
  ProjectService,
} from '@fieldsync/sync-core';
import type { FieldSyncConfig } from '@fieldsync/sync-core';

/** How long a taken file's batch is watched, to move the file to failed/ if it is rejected. */
const WATCH_BATCH_MS = 60 * 60_000;

interface WatchedFolder {
  dir: string;
  projectSlug: string;
  deviceLogin: string | null;
  stability: FileStability;
}

interface TakenFile {
  folder: WatchedFolder;
  processedPath: string;
  takenAt: number;
}

/**
 * The shared-folder door: files dropped into the folders of FILESHARE_DIRS go through
 * IngestService once complete, then move to processed/ (the acknowledgement), or to failed/
 * with a .error.txt beside them. Nothing is deleted. A file taken again after a crash (before
 * it was moved) is recognised by name and content and only moved.
 */
@Injectable()
export class FileSharePollerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('FileShareDoor');
  private readonly folders: WatchedFolder[];
  private readonly intake: FolderIntake;
  private readonly taken = new Map<string, TakenFile>();
  /** Subfolders already said to be left alone, so each is said once. */
  private readonly subfoldersSaid = new Set<string>();
  private readonly scans: PeriodicTask;

  constructor(
    @Inject(FIELDSYNC_CONFIG) private readonly config: FieldSyncConfig,
    @Inject(IngestService) ingest: IngestService,
    @Inject(ProjectService) private readonly projects: ProjectService,
    @Inject(DeviceService) private readonly devices: DeviceService,
    @Inject(BatchService) private readonly batches: BatchService,
  ) {
    this.intake = new FolderIntake(ingest, batches, 'fileshare');
    this.folders = config.fileshareDirs.map((folder) => ({ ...folder, stability: new FileStability(config.fileshareScanMs * 3) }));
    this.scans = new PeriodicTask(
      () => this.scanAll(),
      config.fileshareScanMs,
      (error) => this.logger.warn(`scan failed: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    if (this.folders.length === 0) return;
    for (const folder of this.folders) {
      if (!statSync(folder.dir, { throwIfNoEntry: false })?.isDirectory()) {
        throw new ConfigError('FILESHARE_DIRS', `${folder.dir} does not exist or is not a folder: create it (writable by FieldSync), or remove it from FILESHARE_DIRS`);
      }
    }
    this.logger.log(`watching ${this.folders.map((folder) => `${folder.dir} → ${folder.projectSlug}`).join(', ')} every ${this.config.fileshareScanMs} ms`);
    this.scans.start(this.config.fileshareScanMs);
  }

  private async scanAll(): Promise<void> {
    for (const folder of this.folders) {
      try {
        await this.scanFolder(folder);
      } catch (error) {
        this.logger.warn(`${folder.dir}: ${(error as Error).message}`);
      }
    }
    await this.moveRejected().catch((error: Error) => this.logger.warn(`checking taken files: ${error.message}`));
  }

  private async scanFolder(folder: WatchedFolder): Promise<void> {
    const files = new Map<string, FileState>();
    for (const entry of await readdir(folder.dir, { withFileTypes: true })) {
      if (entry.isDirectory()) this.sayNotRead(folder, entry.name);
      // Only plain files: links are not followed (they could point anywhere), temporary and hidden names wait.
      if (!entry.isFile() || entry.name.startsWith('.') || /\.(part|tmp|filepart)$/i.test(entry.name)) continue;
      const path = join(folder.dir, entry.name);
      const stat = await lstat(path).catch(() => null);
      if (stat?.isFile()) files.set(path, { size: stat.size, mtimeMs: stat.mtimeMs });
    }
    const ready = folder.stability.scan(files);
    if (ready.length === 0) return;
    const project = await this.projects.bySlug(folder.projectSlug, null).catch(() => null);
    if (!project) {
      this.logger.warn(`${folder.dir}: project "${folder.projectSlug}" does not exist yet; files wait until it is created`);
      return;
    }
    const device = folder.deviceLogin ? await this.devices.byLogin(folder.deviceLogin) : null;
    if (folder.deviceLogin && device?.projectId !== project.id) {
      this.logger.warn(`${folder.dir}: device "${folder.deviceLogin}" is not a device of project "${project.slug}"; files wait`);
      return;
    }
    for (const path of ready) {
      if (this.scans.stopping) return;
      await this.take(folder, path, project.id, device?.id ?? null);
    }
  }

  /** Files are taken only directly in the folder (processed/ and failed/ live inside it): a device's subfolder is said, not skipped in silence. */
  private sayNotRead(folder: WatchedFolder, name: string): void {
    const path = join(folder.dir, name);
    if (name === PROCESSED_FOLDER || name === FAILED_FOLDER || this.subfoldersSaid.has(path)) return;
    this.subfoldersSaid.add(path);
    this.logger.warn(`${path}/ is a subfolder and is not read: put files directly in ${folder.dir}`);
  }

  private async take(folder: WatchedFolder, path: string, projectId: string, deviceId: string | null): Promise<void> {
    const result = await this.intake.take(folder.dir, path, projectId, deviceId);
    if (result.outcome === 'failed') {
      this.logger.warn({ message: 'file moved to failed/', file: basename(path), reason: result.reason });
    } else if (result.outcome === 'retry-later') {
      this.logger.warn(`${path}: not taken this time (${result.reason}); it will be tried again`);
    } else {
      this.taken.set(result.batchId, { folder, processedPath: result.movedTo, takenAt: Date.now() });
      this.logger.log({ message: result.outcome === 'ingested' ? 'file ingested' : 'file was already ingested; moved', batchId: result.batchId, file: basename(path) });
    }
  }

  /** Files whose batch was rejected move on from processed/ to failed/, with the reason. */
  private async moveRejected(): Promise<void> {
    const now = Date.now();
    for (const batch of await this.batches.statusOf([...this.taken.keys()])) {
      const taken = this.taken.get(batch.id)!;
      if (batch.status === 'rejected' || batch.status === 'failed') {
        await this.intake.fail(taken.folder.dir, taken.processedPath, `batch ${batch.id} was ${batch.status}: ${batch.error ?? 'no reason given'}`);
        this.taken.delete(batch.id);
      } else if (batch.status === 'consolidated' || now - taken.takenAt > WATCH_BATCH_MS) {
        this.taken.delete(batch.id);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scans.stop();
  }
}
