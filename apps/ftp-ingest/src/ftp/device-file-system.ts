import ftpSrv, { FtpConnection } from 'ftp-srv';
import { BatchService, Device, IngestService } from '@fieldsync/sync-core';
import { ControlConnection, IngestWriteStream } from './ingest-write-stream.js';
import { baseName, parentOf, RefusedPathError, resolveVirtualPath } from './virtual-path.js';

const { FileSystem } = ftpSrv;

/** What ftp-srv's LIST, SIZE and MDTM need to know about an entry (a subset of fs.Stats). */
export interface VirtualStat {
  name: string;
  size: number;
  mtime: Date;
  mode: number;
  isDirectory(): boolean;
}

const DIRECTORY_MODE = 0o40755;
const FILE_MODE = 0o100644;
const MAX_FOLDERS = 1000;

/**
 * A device's own folder, as FTP clients see it. It is virtual: files are the batches this
 * device sent over FTP (so LIST, SIZE and MDTM show its own uploads and nobody else's), folders
 * are "/", "/CTData", those that hold uploads and those made in this session. No path maps to
 * the server's disk, so no name, link or encoding can reach outside it. Uploads cannot be read
 * back, deleted or renamed.
 */
export class DeviceFileSystem extends FileSystem {
  private workingDirectory = '/';
  private readonly madeFolders = new Set<string>(['/', '/CTData']);

  constructor(
    connection: FtpConnection,
    private readonly device: Device,
    private readonly ingest: IngestService,
    private readonly batches: BatchService,
    private readonly control: ControlConnection,
  ) {
    super(connection, { root: '/', cwd: '/' });
  }

  override currentDirectory(): string {
    return this.workingDirectory;
  }

  override async get(fileName: string): Promise<VirtualStat> {
    const path = resolveVirtualPath(this.workingDirectory, fileName);
    const { folders, files } = await this.tree();
    if (folders.has(path)) return directoryStat(path === '/' ? '/' : baseName(path));
    const file = files.get(path);
    if (!file) throw new RefusedPathError(`${fileName}: no such file or folder`);
    return file;
  }

  override async list(path = '.'): Promise<VirtualStat[]> {
    const folder = resolveVirtualPath(this.workingDirectory, path);
    const { folders, files } = await this.tree();
    if (!folders.has(folder)) throw new RefusedPathError(`${path}: no such folder`);
    const entries: VirtualStat[] = [];
    for (const candidate of folders) if (candidate !== '/' && parentOf(candidate) === folder) entries.push(directoryStat(baseName(candidate)));
    for (const [filePath, stat] of files) if (parentOf(filePath) === folder) entries.push(stat);
    return entries;
  }

  override async chdir(path = '.'): Promise<string> {
    const folder = resolveVirtualPath(this.workingDirectory, path);
    if (!(await this.tree()).folders.has(folder)) throw new RefusedPathError(`${path}: no such folder`);
    this.workingDirectory = folder;
    return folder;
  }

  override async mkdir(path: string): Promise<string> {
    const folder = resolveVirtualPath(this.workingDirectory, path);
    if (this.madeFolders.size >= MAX_FOLDERS) throw new RefusedPathError(`more than ${MAX_FOLDERS} folders`);
    for (let ancestor = folder; ancestor !== '/'; ancestor = parentOf(ancestor)) this.madeFolders.add(ancestor);
    return folder;
  }

  override async write(fileName: string, { append = false, start = 0 }: { append?: boolean; start?: number } = {}) {
    if (append || start) throw new RefusedPathError('appending and resuming are not supported; send the whole file again');
    const path = resolveVirtualPath(this.workingDirectory, fileName);
    if (path === '/') throw new RefusedPathError('give the file a name');
    if (!(await this.tree()).folders.has(parentOf(path))) throw new RefusedPathError(`${parentOf(path)}: no such folder (create it with MKD first)`);
    const stream = new IngestWriteStream(this.ingest, { projectId: this.device.projectId, deviceId: this.device.id, door: 'ftp', fileName: path.slice(1) }, this.control);
    return { stream, clientPath: path };
  }

  override async read(): Promise<never> {
    throw new RefusedPathError('uploads cannot be downloaded over FTP; administrators download data through the API');
  }

  override async delete(): Promise<never> {
    throw new RefusedPathError('uploads cannot be deleted');
  }

  override async rename(): Promise<never> {
    throw new RefusedPathError('uploads cannot be renamed');
  }

  override async chmod(): Promise<void> {
    // Permissions mean nothing in a virtual folder; clients that set them after upload carry on.
  }

  override getUniqueName(fileName: string): string {
    return `${Date.now()}-${baseName(fileName)}`;
  }

  /** Folders and files as they stand now: uploads may have arrived from another session. */
  private async tree(): Promise<{ folders: Set<string>; files: Map<string, VirtualStat> }> {
    const folders = new Set(this.madeFolders);
    const files = new Map<string, VirtualStat>();
    for (const sent of await this.batches.filesSentBy(this.device.id, 'ftp')) {
      const path = `/${sent.fileName}`;
      files.set(path, { name: baseName(path), size: sent.size, mtime: new Date(sent.receivedAt), mode: FILE_MODE, isDirectory: () => false });
      for (let ancestor = parentOf(path); ancestor !== '/'; ancestor = parentOf(ancestor)) folders.add(ancestor);
    }
    return { folders, files };
  }
}

function directoryStat(name: string): VirtualStat {
  return { name, size: 0, mtime: new Date(), mode: DIRECTORY_MODE, isDirectory: () => true };
}
