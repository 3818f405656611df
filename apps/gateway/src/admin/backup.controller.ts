import { Controller, Get, Inject, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { backupZip, BlobStore, ConflictError, Database } from '@fieldsync/sync-core';
import { AdminAuthGuard, SiteAdminOnly } from './admin-auth.guard.js';
import { attachmentDisposition } from '../content-disposition.js';

const PG_DUMP_ADVICE =
  'this server keeps its data in PostgreSQL: back it up with `pg_dump --format=custom --file=fieldsync.dump "$DATABASE_URL"` and restore into a new database with `pg_restore --dbname=NEW_DATABASE_URL fieldsync.dump` (README, "Backups")';

/** A backup of the embedded database, taken while FieldSync runs (site administrators). */
@ApiTags('backup')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@SiteAdminOnly()
@Controller('api/v1/backup')
export class BackupController {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(BlobStore) private readonly blobs: BlobStore,
  ) {}

  /**
   * The whole SQLite database as one consistent file, or with BLOB_DIR a zip of it and the
   * folder's files; on PostgreSQL, 409 saying how to use pg_dump.
   */
  @Get()
  async backup(@Res() response: Response): Promise<void> {
    if (this.database.type !== 'sqlite') throw new ConflictError(PG_DUMP_ADVICE);
    const folder = await mkdtemp(join(tmpdir(), 'fieldsync-backup-'));
    try {
      const file = join(folder, 'fieldsync.sqlite');
      await this.database.backupTo(file);
      const name = `fieldsync-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}`;
      const files = this.blobs.files;
      response.setHeader('Content-Type', files ? 'application/zip' : 'application/vnd.sqlite3');
      response.setHeader('Content-Disposition', attachmentDisposition(`${name}.${files ? 'zip' : 'sqlite'}`));
      response.setHeader('Cache-Control', 'no-store');
      await pipeline(files ? backupZip(file, files) : createReadStream(file), response);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}
