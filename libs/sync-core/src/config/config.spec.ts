import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.database.type).toBe('sqlite');
    expect(config.httpPort).toBe(8080);
    expect(config.roles).toEqual(['gateway', 'ftp-ingest', 'consolidator']);
    expect(config.tls).toBeNull();
  });

  it('reads sizes with units', () => {
    expect(loadConfig({ MAX_UPLOAD_BYTES: '2MB' }).maxUploadBytes).toBe(2 * 1024 * 1024);
    expect(loadConfig({ MAX_UPLOAD_BYTES: '1000' }).maxUploadBytes).toBe(1000);
  });

  it.each([
    ['HTTP_PORT', 'eighty'],
    ['HTTP_PORT', '70000'],
    ['MAX_UPLOAD_BYTES', '12 parsecs'],
    ['DATABASE_URL', 'mysql://x'],
    ['FIELDSYNC_ROLES', 'gateway,printer'],
    ['FIELDSYNC_ADMIN_TOKEN', 'short'],
    ['REDIS_URL', 'localhost:6379'],
    ['TLS_CERT', undefined],
    ['FTP_PASV_RANGE', '80-90'],
    ['FTP_REQUIRE_TLS', 'maybe'],
    ['FILESHARE_DIRS', 'relative/dir=kruger'],
    ['PUBLIC_URL', 'fieldsync.example.org'],
    ['PUBLIC_URL', 'ftp://fieldsync.example.org'],
    ['PUBLIC_URL', 'https://user:pw@fieldsync.example.org'],
  ])('names %s when its value is bad', (variable, value) => {
    const env: Record<string, string | undefined> = { [variable]: value };
    if (variable === 'TLS_CERT') env.TLS_KEY = '/tmp/key.pem';
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}:`));
  });

  it('keeps PUBLIC_URL without its trailing slash, and null when unset', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://fieldsync.example.org/sync/' }).publicUrl).toBe('https://fieldsync.example.org/sync');
    expect(loadConfig({ PUBLIC_URL: 'http://192.168.1.20:8080' }).publicUrl).toBe('http://192.168.1.20:8080');
    expect(loadConfig({}).publicUrl).toBeNull();
  });

  it('reads file-share folders with an optional device', () => {
    expect(loadConfig({ FILESHARE_DIRS: '/srv/a=kruger; /srv/b=etosha:etosha-1234' }).fileshareDirs).toEqual([
      { dir: '/srv/a', projectSlug: 'kruger', deviceLogin: null },
      { dir: '/srv/b', projectSlug: 'etosha', deviceLogin: 'etosha-1234' },
    ]);
  });

  it('selects PostgreSQL from DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ type: 'postgres', url: 'postgres://u@h/db' });
  });
});

describe('SOURCE_FOLDERS', () => {
  it('is empty by default: folder sources are off', () => {
    expect(loadConfig({}).sources).toEqual({ folders: [], allowPrivateNetworks: false });
  });

  it('lists absolute folders', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/fieldsync', SOURCE_FOLDERS: '/srv/outbox:/mnt/share/' }).sources.folders).toEqual(['/srv/outbox', '/mnt/share']);
  });

  it.each(['/', '/var', '/var/lib/fieldsync', '/var/lib/fieldsync/sub', 'relative/folder'])('refuses %s (DATA_DIR is /var/lib/fieldsync), naming the variable', (folder) => {
    expect(() => loadConfig({ DATA_DIR: '/var/lib/fieldsync', SOURCE_FOLDERS: folder })).toThrow(/^SOURCE_FOLDERS: /);
  });

  it.each(['/srv/blobs', '/srv/blobs/ab', '/srv'])('refuses %s (BLOB_DIR is /srv/blobs), naming BLOB_DIR', (folder) => {
    expect(() => loadConfig({ DATA_DIR: '/var/lib/fieldsync', BLOB_DIR: '/srv/blobs', SOURCE_FOLDERS: folder })).toThrow(/^SOURCE_FOLDERS: .*inside BLOB_DIR/);
  });
});

describe('BLOB_DIR', () => {
  it('is unset by default: every upload is kept in the database', () => {
    expect(loadConfig({}).blobDir).toBeNull();
  });

  it('takes an absolute folder, or one relative to DATA_DIR', () => {
    expect(loadConfig({ BLOB_DIR: '/srv/blobs' }).blobDir).toBe('/srv/blobs');
    expect(loadConfig({ DATA_DIR: '/var/lib/fieldsync', BLOB_DIR: 'blobs' }).blobDir).toBe('/var/lib/fieldsync/blobs');
  });
});

describe('queue mode', () => {
  it('runs embedded (no Redis) when REDIS_URL is unset and every role is here', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379' }).redisUrl).toBe('redis://redis:6379');
  });

  it('stops split roles without REDIS_URL with one sentence naming it', () => {
    expect(() => loadConfig({ FIELDSYNC_ROLES: 'gateway' })).toThrow(/^REDIS_URL: is not set, but FIELDSYNC_ROLES runs only gateway here/);
    expect(loadConfig({ FIELDSYNC_ROLES: 'consolidator', REDIS_URL: 'redis://127.0.0.1:6379' }).roles).toEqual(['consolidator']);
  });
});

describe('QUEUE_PREFIX', () => {
  it('defaults to one per database, the same for every process of a deployment', () => {
    const a = loadConfig({ DATABASE_URL: 'postgres://fs:secret@db:5432/kruger' }).queuePrefix;
    expect(a).toMatch(/^fieldsync-[0-9a-f]{8}$/);
    expect(loadConfig({ DATABASE_URL: 'postgres://fs:other@db:5432/kruger', FIELDSYNC_ROLES: 'gateway', REDIS_URL: 'redis://r:6379' }).queuePrefix).toBe(a);
    expect(loadConfig({ DATABASE_URL: 'postgres://fs:secret@db:5432/etosha' }).queuePrefix).not.toBe(a);
    expect(loadConfig({ DATA_DIR: '/srv/a' }).queuePrefix).not.toBe(loadConfig({ DATA_DIR: '/srv/b' }).queuePrefix);
  });

  it('takes a chosen prefix, and refuses one Redis keys should not hold', () => {
    expect(loadConfig({ QUEUE_PREFIX: 'kruger-prod' }).queuePrefix).toBe('kruger-prod');
    expect(() => loadConfig({ QUEUE_PREFIX: 'has space' })).toThrow(/^QUEUE_PREFIX: /);
  });
});
