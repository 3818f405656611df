import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { BatchService, DeviceService, FAILED_FOLDER, FolderIntake, IngestService, loadConfig, MergeService, PROCESSED_FOLDER, ProjectService, SettleNow, SyncCoreModule } from '@fieldsync/sync-core';
import { CliError, EXIT, Output } from '../output.js';
import { requireDatabaseFile } from './server-database.js';

/**
 * `fieldsync import DIR --project SLUG`: the scheduled-task import on the server itself. It
 * reads the same configuration as the server (DATABASE_URL, REDIS_URL…) and takes every file
 * in DIR through the same intake as the file-share door: processed/ or failed/. Each batch is
 * merged before the next file, so what is in processed/ is in the feed and failed/ holds every
 * file refused, with its reason.
 */
export async function importFolder(dir: string, projectSlug: string, deviceLogin: string | undefined, output: Output) {
  const config = loadConfig();
  if (config.database.type === 'sqlite') {
    requireDatabaseFile(config.database.path, 'run `fieldsync import` in the folder the server runs in, or set DATA_DIR (or DATABASE_URL) as the server has it');
  }
  const context = await NestFactory.createApplicationContext(SyncCoreModule.forRoot(config), { logger: ['error'] });
  try {
    const project = await context
      .get(ProjectService)
      .bySlug(projectSlug, null)
      .catch(() => {
        throw new CliError(`no project "${projectSlug}"`, EXIT.usage);
      });
    const device = deviceLogin ? await context.get(DeviceService).byLogin(deviceLogin) : null;
    if (deviceLogin && device?.projectId !== project.id) throw new CliError(`no device "${deviceLogin}" in project "${projectSlug}"`, EXIT.usage);
    const batches = context.get(BatchService);
    const merge = context.get(MergeService);
    const settleNow: SettleNow = async (batchId) => {
      await merge.consolidate(batchId);
      const [settled] = await batches.statusOf([batchId]);
      return settled ?? { status: 'failed', error: 'the batch vanished while it was merged' };
    };
    const intake = new FolderIntake(context.get(IngestService), batches, 'cli', settleNow);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
      throw new CliError(`folder missing: ${dir}`, EXIT.usage);
    });
    for (const entry of entries.filter((item) => item.isDirectory() && item.name !== PROCESSED_FOLDER && item.name !== FAILED_FOLDER)) {
      output.warn(`${entry.name}/: a folder, not read (only files directly in ${dir} are imported)`);
    }
    const results = [];
    for (const entry of entries.filter((item) => item.isFile() && !item.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
      const result = await intake.take(dir, join(dir, entry.name), project.id, device?.id ?? null);
      results.push({ file: entry.name, ...result });
      output.info(`${entry.name}: ${result.outcome}${'reason' in result ? ` (${result.reason})` : ''}`);
    }
    return results;
  } finally {
    await context.close();
  }
}
