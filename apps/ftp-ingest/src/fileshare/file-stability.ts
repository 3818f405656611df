export interface FileState {
  size: number;
  mtimeMs: number;
}

/**
 * Decides when a file in a watched folder is complete. A writer may still be adding to it, so a
 * file is taken when its size and modification time are the same in two scans in a row, or at
 * once when it appears already old (renamed into place: a rename keeps the old mtime).
 */
export class FileStability {
  private previous = new Map<string, FileState>();

  constructor(private readonly renamedIfOlderThanMs: number) {}

  /** Feeds one scan; returns the paths that are ready to take. */
  scan(files: Map<string, FileState>, now = Date.now()): string[] {
    const ready: string[] = [];
    for (const [path, state] of files) {
      const before = this.previous.get(path);
      const unchanged = before !== undefined && before.size === state.size && before.mtimeMs === state.mtimeMs;
      const renamedIntoPlace = before === undefined && now - state.mtimeMs > this.renamedIfOlderThanMs;
      if (unchanged || renamedIntoPlace) ready.push(path);
    }
    this.previous = files;
    return ready;
  }
}
