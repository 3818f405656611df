import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchService } from '../batches/batch.service.js';
import { IngestService } from './ingest.service.js';
import { FolderIntake } from './folder-intake.js';

/** An IngestService whose database is away, failing as pg does: a refused connection, with a syscall. */
const databaseAway = {
  accept: async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 5432 });
  },
} as unknown as IngestService;
const noSuchFile = { findSameFile: async () => null } as unknown as BatchService;

describe('FolderIntake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-intake-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves a file in place while the database is away (it is taken later), instead of failing it', async () => {
    const path = join(dir, 'sightings.geojson');
    writeFileSync(path, '{"type":"FeatureCollection","features":[]}');
    const outcome = await new FolderIntake(databaseAway, noSuchFile, 'fileshare').take(dir, path, 'project', null);
    expect(outcome).toMatchObject({ outcome: 'retry-later' });
    expect(existsSync(path)).toBe(true);
    expect(existsSync(join(dir, 'failed'))).toBe(false);
  });
});
