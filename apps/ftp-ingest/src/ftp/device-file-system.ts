import ftpSrv, { FtpConnection } from 'ftp-srv';
import { Batch, BatchService, Device, IngestService } from '@fieldsync/sync-core';
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
 * back. A file sent in this session may be renamed (clients that upload to a temporary name and
 * rename it when done: the batch takes the final name); deleting a file only hides it from this
 * session's listing, since what was sent is kept.
 */
export class DeviceFileSystem extends FileSystem {
  private workingDirectory = '/';
  private readonly madeFolders = new Set<string>(['/', '/CTData']);
  /** Files sent in this session, by path, with their batch once committed. */
  private readonly sentHere = new Map<string, Promise<Batch>>();
  /** Files this session deleted: kept on the server, left out of its listings. */
  private readonly hidden = new Set<string>();

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
    this.sentHere.set(path, stream.accepted);
    this.hidden.delete(path);
    stream.accepted.catch(() => this.sentHere.get(path) === stream.accepted && this.sentHere.delete(path));
    return { stream, clientPath: path };
  }

  override async read(): Promise<never> {
    throw new RefusedPathError('uploads cannot be downloaded over FTP; administrators download data through the API');
  }

  /** Answers as a delete: the file leaves this session's listing (WinSCP deletes a file before renaming its new copy onto it); the upload stays. */
  override async delete(fileName: string): Promise<void> {
    const path = resolveVirtualPath(this.workingDirectory, fileName);
    const { folders, files } = await this.tree();
    if (folders.has(path)) throw new RefusedPathError(`${fileName}: folders cannot be removed`);
    if (!files.has(path)) throw new RefusedPathError(`${fileName}: no such file`);
    this.hidden.add(path);
  }

  /** Renames a file sent in this session: its batch takes the new name. Earlier uploads keep theirs. */
  override async rename(from: string, to: string): Promise<void> {
    const source = resolveVirtualPath(this.workingDirectory, from);
    const target = resolveVirtualPath(this.workingDirectory, to);
    const sent = this.sentHere.get(source);
    if (!sent) throw new RefusedPathError(`${from}: only a file sent in this session can be renamed; uploads are kept as they were sent`);
    if (target === '/' || !(await this.tree()).folders.has(parentOf(target))) throw new RefusedPathError(`${parentOf(target)}: no such folder (create it with MKD first)`);
    const batch = await sent;
    await this.batches.renameFile(batch.id, target.slice(1));
    this.sentHere.delete(source);
    this.sentHere.set(target, sent);
    this.hidden.delete(target);
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
      if (this.hidden.has(path)) continue;
      files.set(path, { name: baseName(path), size: sent.size, mtime: new Date(sent.receivedAt), mode: FILE_MODE, isDirectory: () => false });
      for (let ancestor = parentOf(path); ancestor !== '/'; ancestor = parentOf(ancestor)) folders.add(ancestor);
    }
    return { folders, files };
  }
}

function directoryStat(name: string): VirtualStat {
  return { name, size: 0, mtime: new Date(), mode: DIRECTORY_MODE, isDirectory: () => true };
}
