import { createHash } from 'node:crypto';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { curl } from './support/curl.js';
import { StoreKind, StoreUnderTest } from './support/fieldsync-process.js';
import { fieldSyncSuite } from './support/suite.js';

const MiB = 1024 * 1024;

/** The server's peak resident memory so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

/** Bytes the store holds on disk for blobs: the SQLite file and its WAL, or PostgreSQL's blob_chunk table. */
async function storedBytes(store: StoreUnderTest): Promise<number> {
  if (store.kind === 'postgres') return Number((await store.query<{ n: string }>(`SELECT pg_total_relation_size('blob_chunk') AS n`))[0].n);
  const size = (name: string) => {
    try {
      return statSync(join(store.dataDir, name)).size;
    } catch {
      return 0;
    }
  };
  return size('fieldsync.sqlite') + size('fieldsync.sqlite-wal');
}

/** 1 GiB of zeros, gzipped: about 1 MB on the wire. */
async function gzipBomb(): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(4 * MiB);
  for (let i = 0; i < 256; i++) if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  gzip.end();
  await done;
  return Buffer.concat(out);
}

describe.each<StoreKind>(['sqlite', 'postgres'])('what one device can make the server hold, on %s', (kind) => {
  const suite = fieldSyncSuite(kind, { env: { MAX_UPLOADS_PER_DEVICE: '4' } });

  it('refuses a 1 MB gzip bomb before 64 MB are written, and keeps nothing of it', async () => {
    await suite.admin.createProject('limits');
    const device = await suite.admin.createDevice('limits');
    const bomb = await gzipBomb();
    expect(bomb.length).toBeLessThan(2 * MiB);
    const before = await storedBytes(suite.store);
    const answer = await curl(['-u', `${device.login}:${device.secret}`, '-H', 'Content-Encoding: gzip', '--data-binary', '@-', `${suite.server.baseUrl}/upload`], bomb);
    expect(answer.status).toBe(413);
    expect(answer.body.detail).toMatch(/MAX_COMPRESSION_RATIO/);
    expect((await storedBytes(suite.store)) - before).toBeLessThan(64 * MiB);
    expect(await suite.store.count('batch')).toBe(0);
    expect(await suite.store.count('blob_chunk')).toBe(0);
  });

  it('lets one device stream MAX_UPLOADS_PER_DEVICE (4 here) uploads at once and answers 429 with Retry-After beyond', async () => {
    const device = await suite.admin.createDevice('limits');
    const body = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [], padding: 'x'.repeat(120_000) }));
    // Slow senders (40 KB/s): the first four hold their slots for about three seconds.
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        new Promise((resolve) => setTimeout(resolve, i < 4 ? 0 : 800)).then(() =>
          curl(['-i', '--limit-rate', '40k', '-u', `${device.login}:${device.secret}`, '--data-binary', '@-', `${suite.server.baseUrl}/upload`], body),
        ),
      ),
    );
    expect(answers.slice(0, 4).map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    expect(answers.slice(4).map((answer) => answer.status)).toEqual([429, 429]);
    expect(String(answers[4].body)).toMatch(/Retry-After: 10/i);
    expect(String(answers[4].body)).toMatch(/MAX_UPLOADS_PER_DEVICE/);
  });

  it('takes a 380 MiB submission attachment with less than 64 MB more memory, byte-exact', async () => {
    const device = await suite.admin.createDevice('limits');
    const video = join(suite.store.dataDir, 'big.mp4');
    writeFileSync(video, '');
    truncateSync(video, 380 * MiB);
    const xml = join(suite.store.dataDir, 'submission.xml');
    writeFileSync(xml, '<data id="big"><meta><instanceID>uuid:big-1</instanceID></meta><video>big.mp4</video></data>');
    // Warm the server up with a small submission first: what is measured is what the large one adds.
    writeFileSync(join(suite.store.dataDir, 'small.xml'), '<data id="big"><meta><instanceID>uuid:small-1</instanceID></meta></data>');
    expect(
      (await curl(['-u', `${device.login}:${device.secret}`, '-F', `xml_submission_file=@${join(suite.store.dataDir, 'small.xml')};type=text/xml`, `${suite.server.baseUrl}/submission`])).status,
    ).toBe(201);
    const before = peakRss(suite.server.pid);
    const answer = await curl([
      '-u',
      `${device.login}:${device.secret}`,
      '-F',
      `xml_submission_file=@${xml};type=text/xml`,
      '-F',
      `big.mp4=@${video};type=video/mp4`,
      `${suite.server.baseUrl}/submission`,
    ]);
    expect(answer.status).toBe(201);
    const grew = peakRss(suite.server.pid) - before;
    expect(grew).toBeLessThan(64 * MiB);
    const { batches } = await suite.admin.expect(200, 'GET', '/api/v1/projects/limits/batches');
    for (const batch of batches) await suite.admin.settled(batch.id, 120_000);
    const row = (await suite.admin.allSightings('limits')).find((sighting) => sighting.id === 'uuid:big-1');
    const zeros = createHash('sha256');
    for (let i = 0; i < 380; i++) zeros.update(Buffer.alloc(MiB));
    expect(row.attachments).toEqual([expect.objectContaining({ name: 'big.mp4', size: 380 * MiB, sha256: zeros.digest('hex') })]);
  }, 300_000);
});
