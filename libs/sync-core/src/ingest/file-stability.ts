export interface FileState {
  size: number;
  mtimeMs: number;
}

/**
 * Decides when a file in a watched folder is complete. A writer may still be adding to it, so a
 * file is taken when its size and modification time are the same in two scans in a row (and,
 * with `settleMs`, have stayed so that long: scans may come faster than a writer's pauses), or
 * at once when it appears already old (renamed into place: a rename keeps the old mtime).
 */
export class FileStability {
  private previous = new Map<string, FileState & { since: number }>();

  constructor(
    private readonly renamedIfOlderThanMs: number,
    private readonly settleMs = 0,
  ) {}

  /** Feeds one scan; returns the paths that are ready to take. */
  scan(files: Map<string, FileState>, now = Date.now()): string[] {
    const ready: string[] = [];
    const next = new Map<string, FileState & { since: number }>();
    for (const [path, state] of files) {
      const before = this.previous.get(path);
      const unchanged = before !== undefined && before.size === state.size && before.mtimeMs === state.mtimeMs;
      const since = unchanged ? before.since : now;
      const renamedIntoPlace = before === undefined && now - state.mtimeMs > this.renamedIfOlderThanMs;
      if ((unchanged && now - since >= this.settleMs) || renamedIntoPlace) ready.push(path);
      next.set(path, { ...state, since });
    }
    this.previous = next;
    return ready;
  }
}
