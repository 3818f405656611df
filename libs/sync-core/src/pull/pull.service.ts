import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Logger } from '@nestjs/common';
import { Database } from '../db/database.js';
import { nowIso } from '../db/columns.js';
import { Source, SourceFile } from '../db/entities/index.js';
import { SourceFileRepository } from '../db/repositories/source-file.repository.js';
import { IngestService } from '../ingest/ingest.service.js';
import { FtpRemoteFolder, LocalRemoteFolder, plainWords, RemoteEntry, RemoteFolder } from './remote-folder.js';
import { SourcePolicy } from './source-policy.js';
import { SourceService } from './source.service.js';

/** A claim older than this belongs to a consolidator that died mid-file; another may take over. */
const STALE_CLAIM_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PullReport {
  ingested: string[];
  skipped: number;
  error: string | null;
}

/**
 * One run of a pull source: list the remote folder twice (a file still growing between the two
 * listings waits for the next run), and ingest each file version the ledger has not seen. The
 * ledger row is claimed before the download, so several consolidators never take the same file.
 */
export class PullService {
  private readonly logger = new Logger(PullService.name);
  private readonly ledger: SourceFileRepository;

  constructor(
    private readonly database: Database,
    private readonly sources: SourceService,
    private readonly ingest: IngestService,
    private readonly settleMs: number,
    private readonly policy: SourcePolicy,
  ) {
    this.ledger = new SourceFileRepository(database);
  }

  /** Opens the source's folder: the connection test of the admin API and CLI. */
  async open(source: Source): Promise<RemoteFolder> {
    if (source.url.startsWith('/')) {
      const folder = new LocalRemoteFolder(await this.policy.folder(source.url, true));
      await folder.list();
      return folder;
    }
    try {
      const url = new URL(source.url);
      return await FtpRemoteFolder.connect(url, (await this.policy.address(url.hostname, true))!, source.username, this.sources.password(source));
    } catch (error) {
      throw plainWords(error, source.url);
    }
  }

  /** Connects, logs in and lists the folder now; says in plain words what failed. */
  async testConnection(source: Source): Promise<{ ok: true; files: number } | { ok: false; error: string }> {
    try {
      const folder = await this.open(source);
      const files = (await folder.list()).length;
      folder.close();
      return { ok: true, files };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  async pull(sourceId: string): Promise<PullReport> {
    const source = await this.sources.get(sourceId).catch(() => null);
    if (!source) return { ingested: [], skipped: 0, error: 'the source was deleted' };
    const report: PullReport = { ingested: [], skipped: 0, error: null };
    let remote: RemoteFolder | null = null;
    try {
      remote = await this.open(source);
      const first = await remote.list();
      if (source.deleteAfterIngest) await this.removeConsolidated(source, remote, first);
      if (this.settleMs > 0) await sleep(this.settleMs);
      const second = new Map((await remote.list()).map((entry) => [entry.path, entry]));
      for (const entry of first) {
        const now = second.get(entry.path);
        if (!now || now.size !== entry.size || now.modifiedAt !== entry.modifiedAt) {
          report.skipped++;
          continue;
        }
        const claim = await this.claim(source, entry);
        if (!claim) {
          report.skipped++;
          continue;
        }
        await this.fetch(source, remote, entry, claim);
        report.ingested.push(entry.path);
      }
    } catch (error) {
      report.error = plainWords(error, source.url).message;
    } finally {
      remote?.close();
    }
    await this.sources.recordRun(source.id, report.error);
    if (report.error) this.logger.warn({ message: 'pull failed', sourceId: source.id, error: report.error });
    else if (report.ingested.length > 0) this.logger.log({ message: 'pulled files', sourceId: source.id, files: report.ingested.length });
    return report;
  }

  private async fetch(source: Source, remote: RemoteFolder, entry: RemoteEntry, claimId: string): Promise<void> {
    const body = new PassThrough();
    const accepted = this.ingest.accept({ projectId: source.projectId, deviceId: null, door: 'pull', fileName: entry.name, body });
    try {
      await remote.download(entry, body);
      body.end();
      const batch = await accepted;
      await this.database.transaction((manager) => manager.update(SourceFile, { id: claimId }, { status: 'ingested', batchId: batch.id, updatedAt: nowIso() }));
    } catch (error) {
      body.destroy(error as Error);
      await accepted.catch(() => undefined);
      // Unclaimed, the file is tried again on the next run.
      await this.database.transaction((manager) => manager.delete(SourceFile, { id: claimId }));
      throw error;
    }
  }

  /**
   * Deletes, for a source that asks it, the remote files whose batch is consolidated: never one
   * still waiting (a crash could lose it) or rejected (the admin may need it). The file must be
   * the version that was fetched, unchanged since.
   */
  private async removeConsolidated(source: Source, remote: RemoteFolder, entries: RemoteEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const done = await this.ledger.consolidated(source.id);
    const fetched = new Set(done.map((file) => `${file.remotePath}\n${file.size}\n${file.modifiedAt}`));
    for (const entry of entries) {
      if (!fetched.has(`${entry.path}\n${entry.size}\n${entry.modifiedAt}`)) continue;
      await remote.remove(entry).catch((error: Error) => this.logger.warn(`could not delete ${entry.path}: ${error.message}`));
    }
  }

  /** Takes this file version for this run, or returns null when it is ingested or being fetched elsewhere. */
  private claim(source: Source, entry: RemoteEntry): Promise<string | null> {
    return this.database.transaction(async (manager) => {
      const key = { sourceId: source.id, remotePath: entry.path, size: entry.size, modifiedAt: entry.modifiedAt };
      const existing = await manager.findOneBy(SourceFile, key);
      if (existing) {
        if (existing.status === 'ingested' || Date.parse(existing.updatedAt) > Date.now() - STALE_CLAIM_MS) return null;
        await manager.update(SourceFile, { id: existing.id, updatedAt: existing.updatedAt }, { updatedAt: nowIso() });
        return existing.id;
      }
      const id = randomUUID();
      try {
        await manager.insert(SourceFile, { id, ...key, sha256: null, status: 'claimed', batchId: null, updatedAt: nowIso() });
      } catch (error) {
        // Another consolidator claimed it between the lookup and the insert (the unique index decides).
        if (/unique|duplicate/i.test((error as Error).message)) return null;
        throw error;
      }
      return id;
    });
  }
}
