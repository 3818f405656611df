/**
 * Runs `work` after `firstDelayMs`, then again `everyMs` after each run ends — never two runs at
 * once — until stopped. A failed run goes to `onError` and the schedule goes on; stop() waits for
 * a run in progress, so shutdown never cuts one in half.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly everyMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** True once stop() was called: a long run can check it to end early. */
  get stopping(): boolean {
    return this.stopped;
  }

  start(firstDelayMs = 0): void {
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.work()
        .catch((error: Error) => this.onError(error))
        .finally(() => {
          this.running = null;
          this.schedule(this.everyMs);
        });
    }, delayMs);
  }
}
