import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AdminClient } from '../test/support/admin-client.js';
import { FieldSyncProcess, StoreKind, StoreUnderTest } from '../test/support/fieldsync-process.js';
import { freePort, waitFor } from '../test/support/ports.js';
import { PrivateRedis } from '../test/support/redis-server.js';
import { geojsonBody } from './geojson-body.js';
import { BenchFigure, MB } from './measure.js';

const GOAL_RATIO = 0.5;
const PARALLEL = 20;

interface FtpTarget {
  url: (name: string) => string;
  user: string[];
}

function curlUpload(file: string, target: FtpTarget, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', ...target.user, '-T', file, target.url(name)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`curl -T ${name} exited ${code}: ${err}`))));
  });
}

/** MB/s of one big file, and of `PARALLEL` files sent at once. */
async function measure(target: FtpTarget, big: string, small: string): Promise<{ single: number; parallel: number }> {
  let started = performance.now();
  await curlUpload(big, target, `big-${Date.now()}.geojson`);
  const single = 200 / ((performance.now() - started) / 1000);
  started = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, (_, i) => curlUpload(small, target, `small-${Date.now()}-${i}.geojson`)));
  const parallel = (PARALLEL * 5) / ((performance.now() - started) / 1000);
  return { single, parallel };
}

/** vsftpd on a spare port, anonymous uploads into a scratch folder: the same clients, a C server writing plain files. */
async function startVsftpd(dir: string): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const root = join(dir, 'vsftpd-root');
  mkdirSync(join(root, 'incoming'), { recursive: true });
  // vsftpd runs anonymous sessions as the ftp user, which must own the upload folder.
  const ftpId = (flag: string) => Number(execFileSync('id', [flag, 'ftp']).toString().trim());
  chownSync(join(root, 'incoming'), ftpId('-u'), ftpId('-g'));
  const config = join(dir, 'vsftpd.conf');
  writeFileSync(
    config,
    [
      'listen=YES',
      'listen_address=127.0.0.1',
      `listen_port=${port}`,
      'background=NO',
      'anonymous_enable=YES',
      'local_enable=NO',
      'write_enable=YES',
      'anon_upload_enable=YES',
      'anon_mkdir_write_enable=YES',
      `anon_root=${root}`,
      'no_anon_password=YES',
      'seccomp_sandbox=NO',
      'pasv_enable=YES',
      'pasv_min_port=41000',
      'pasv_max_port=41999',
      'max_clients=100',
      'max_per_ip=100',
      'xferlog_enable=NO',
      'secure_chroot_dir=/var/run/vsftpd/empty',
    ].join('\n') + '\n',
  );
  const process = spawn('/usr/sbin/vsftpd', [config], { stdio: 'ignore' });
  await waitFor(
    'vsftpd',
    async () =>
      await new Promise<boolean>((resolve) => {
        const probe = spawn('curl', ['-sS', '-o', '/dev/null', `ftp://127.0.0.1:${port}/`]);
        probe.on('close', (code) => resolve(code === 0));
      }),
  );
  return { port, process };
}

/**
 * One 200 MB file and 20 parallel 5 MB files with curl -T, to FieldSync's FTP door and to vsftpd;
 * `blobs` says where FieldSync keeps the bytes: in the database (the default) or in BLOB_DIR.
 */
export async function ftpUpload(kind: StoreKind, blobs: 'database' | 'files' = 'database'): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldsync-ftp-bench-'));
  const big = join(dir, 'big.geojson');
  const small = join(dir, 'small.geojson');
  await pipeline(geojsonBody(200 * MB), createWriteStream(big));
  await pipeline(geojsonBody(5 * MB), createWriteStream(small));
  const [store, redis] = await Promise.all([StoreUnderTest.create(kind), PrivateRedis.start()]);
  const server = await FieldSyncProcess.start({
    store,
    redisUrl: redis.url,
    roles: 'gateway,ftp-ingest',
    env: { MAX_UPLOAD_BYTES: '300MB', FTP_MAX_SESSIONS_PER_ADDRESS: '100', ...(blobs === 'files' ? { BLOB_DIR: 'blobs' } : {}) },
  });
  const vsftpd = await startVsftpd(dir);
  try {
    const admin = new AdminClient(server.baseUrl);
    await admin.createProject('bench');
    const device = await admin.createDevice('bench');
    const ours = await measure({ url: (name) => `ftp://127.0.0.1:${server.ftpPort}/${name}`, user: ['--user', `${device.login}:${device.secret}`] }, big, small);
    const theirs = await measure({ url: (name) => `ftp://127.0.0.1:${vsftpd.port}/incoming/${name}`, user: [] }, big, small);
    const figure = (label: string, value: number, baseline: number): BenchFigure => ({
      benchmark: `FTP ${label} (${kind}${blobs === 'files' ? ', BLOB_DIR' : ''})`,
      figure: `${value.toFixed(0)} MB/s`,
      value: Number(value.toFixed(1)),
      unit: 'MB/s',
      baseline: `vsftpd ${baseline.toFixed(0)} MB/s`,
      baselineValue: Number(baseline.toFixed(1)),
      ratio: Number((value / baseline).toFixed(2)),
      goal: `≥ ${GOAL_RATIO} × vsftpd`,
      met: value / baseline >= GOAL_RATIO,
    });
    return [figure('one 200 MB file', ours.single, theirs.single), figure(`${PARALLEL} × 5 MB in parallel`, ours.parallel, theirs.parallel)];
  } finally {
    vsftpd.process.kill('SIGKILL');
    await server.stop();
    await redis.stop();
    await store.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
