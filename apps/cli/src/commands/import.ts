import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { BatchService, DeviceService, FolderIntake, IngestService, loadConfig, ProjectService, SyncCoreModule } from '@fieldsync/sync-core';
import { CliError, EXIT, Output } from '../output.js';

/**
 * `fieldsync import DIR --project SLUG`: the scheduled-task import on the server itself. It
 * reads the same configuration as the server (DATABASE_URL, REDIS_URL…) and takes every file
 * in DIR through the same intake as the file-share door: processed/ or failed/.
 */
export async function importFolder(dir: string, projectSlug: string, deviceLogin: string | undefined, output: Output) {
  const config = loadConfig();
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
    const intake = new FolderIntake(context.get(IngestService), context.get(BatchService), 'cli');
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => {
      throw new CliError(`folder missing: ${dir}`, EXIT.usage);
    });
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
