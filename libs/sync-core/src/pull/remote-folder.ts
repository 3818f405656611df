import { constants } from 'node:fs';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, FTPError } from 'basic-ftp';
import { InvalidInputError } from '../errors.js';
import { networkTrouble } from '../network-trouble.js';

export interface RemoteEntry {
  path: string;
  name: string;
  size: number;
  modifiedAt: string;
}

/** A place a pull source takes files from: an FTP/FTPS folder or a local (mounted) folder. */
export interface RemoteFolder {
  list(): Promise<RemoteEntry[]>;
  download(entry: RemoteEntry, into: Writable): Promise<void>;
  remove(entry: RemoteEntry): Promise<void>;
  close(): void;
}

/** A pull failure in words an admin can act on. */
export class RemoteError extends Error {}

export function plainWords(error: unknown, where: string): RemoteError {
  if (error instanceof RemoteError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  if (error instanceof FTPError && error.code === 530) return new RemoteError(`login incorrect at ${where}`);
  // The remote server's own words are not repeated: a source must not turn into a way to read other services' banners.
  if (error instanceof FTPError) return new RemoteError(`the FTP server at ${where} refused (reply ${error.code})`);
  const trouble = networkTrouble(error);
  if (trouble === 'connection refused') return new RemoteError(`connection refused: ${where} (is the FTP server running, and is the port right?)`);
  if (trouble === 'no answer') return new RemoteError(`no answer from ${where} (firewall, or the server is down)`);
  if (trouble) return new RemoteError(`${trouble}: ${where}`);
  if (code === 'ENOENT') return new RemoteError(`folder missing: ${where}`);
  if (code === 'EACCES') return new RemoteError(`no permission to read ${where}`);
  if (error instanceof InvalidInputError) return new RemoteError(message);
  return new RemoteError(`${where}: ${code ? `failed (${code})` : 'the connection failed or the server answered something unexpected'}`);
}

export class FtpRemoteFolder implements RemoteFolder {
  private constructor(
    private readonly client: Client,
    private readonly folder: string,
  ) {}

  /** Connects to `address`, the checked address of the URL's host (which TLS still verifies by name). */
  static async connect(url: URL, address: string, username: string | null, password: string | null): Promise<FtpRemoteFolder> {
    const client = new Client(30_000);
    const where = `${url.protocol}//${url.host}`;
    try {
      await client.access({
        host: address,
        port: Number(url.port || 21),
        user: username ?? 'anonymous',
        password: password ?? '',
        secure: url.protocol === 'ftps:',
        secureOptions: { servername: url.hostname },
      });
    } catch (error) {
      client.close();
      throw plainWords(error, where);
    }
    const folder = decodeURIComponent(url.pathname) || '/';
    try {
      await client.cd(folder);
    } catch {
      client.close();
      throw new RemoteError(`folder missing: ${folder} on ${where}`);
    }
    return new FtpRemoteFolder(client, folder);
  }

  async list(): Promise<RemoteEntry[]> {
    const entries = await this.client.list();
    return entries
      .filter((entry) => entry.isFile)
      .map((entry) => ({
        path: `${this.folder.replace(/\/$/, '')}/${entry.name}`,
        name: entry.name,
        size: entry.size,
        modifiedAt: entry.modifiedAt?.toISOString() ?? entry.rawModifiedAt ?? '',
      }));
  }

  async download(entry: RemoteEntry, into: Writable): Promise<void> {
    await this.client.downloadTo(into, entry.path);
  }

  async remove(entry: RemoteEntry): Promise<void> {
    await this.client.remove(entry.path);
  }

  close(): void {
    this.client.close();
  }
}

export class LocalRemoteFolder implements RemoteFolder {
  constructor(private readonly folder: string) {}

  async list(): Promise<RemoteEntry[]> {
    let names;
    try {
      names = await readdir(this.folder, { withFileTypes: true });
    } catch (error) {
      throw plainWords(error, this.folder);
    }
    const entries: RemoteEntry[] = [];
    for (const entry of names) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const info = await stat(join(this.folder, entry.name)).catch(() => null);
      if (info?.isFile()) entries.push({ path: join(this.folder, entry.name), name: entry.name, size: info.size, modifiedAt: info.mtime.toISOString() });
    }
    return entries;
  }

  async download(entry: RemoteEntry, into: Writable): Promise<void> {
    // Not through a symlink put in place of the file after it was listed.
    const file = await open(entry.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    await pipeline(file.createReadStream(), into, { end: false });
  }

  async remove(entry: RemoteEntry): Promise<void> {
    await unlink(entry.path);
  }

  close(): void {}
}
