/** Exit codes, documented in `fieldsync --help`. */
export const EXIT = { ok: 0, incomplete: 1, usage: 2, unreachable: 3, refused: 4, rejected: 5 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.incomplete,
  ) {
    super(message);
  }
}

/** Human lines on a terminal, one JSON document with --json (for scripts). */
export class Output {
  constructor(readonly json: boolean) {}

  get interactive(): boolean {
    return !this.json && Boolean(process.stderr.isTTY);
  }

  info(line: string): void {
    if (!this.json) process.stdout.write(`${line}\n`);
  }

  /** Something the person should act on: on stderr, so it is seen with --json too. */
  warn(line: string): void {
    this.endProgress();
    process.stderr.write(`${line}\n`);
  }

  progress(line: string): void {
    if (this.interactive) process.stderr.write(`\r\x1b[K${line}`);
  }

  endProgress(): void {
    if (this.interactive) process.stderr.write('\r\x1b[K');
  }

  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value)}\n`);
  }
}
