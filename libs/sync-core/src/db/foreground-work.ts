/**
 * Work a client is waiting on in this process (an upload being acknowledged, any HTTP write),
 * against background work that can wait (a large merge on the embedded database). SQLite has one
 * writer and the process one event loop, and a step of background work cannot be cut short: a
 * merge that took every gap between uploads made each upload wait for one of its steps
 * (bench/README.md). The background asks between its steps whether anyone is waiting, and
 * before its next slice stands aside until the foreground has been quiet for a moment, or until
 * it has waited its patience, so that it still advances under uploads that never stop.
 */
export class ForegroundWork {
  private running = 0;
  private lastEnded = 0;
  private wakers = new Set<() => void>();

  /** Marks one piece of foreground work; the function returned ends it (once). */
  begin(): () => void {
    this.running++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running--;
      this.lastEnded = Date.now();
      if (this.running === 0) for (const wake of this.wakers) wake();
    };
  }

  /** Whether foreground work is in progress now. */
  get busy(): boolean {
    return this.running > 0;
  }

  /**
   * Resolves once no foreground work has been in progress for `quietMs` (the gap between one
   * upload and a client's next is not taken for the end of the uploads), or after `patienceMs`.
   */
  async standAside(quietMs: number, patienceMs: number): Promise<void> {
    const deadline = Date.now() + patienceMs;
    for (;;) {
      const now = Date.now();
      if (now >= deadline) return;
      const quietFor = this.running === 0 ? now - this.lastEnded : -1;
      if (quietFor >= quietMs) return;
      // Idle but not yet quiet: sleep the rest of the quiet time; busy: until it ends.
      const sleepMs = Math.min(deadline - now, quietFor >= 0 ? quietMs - quietFor : deadline - now);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, sleepMs);
        if (quietFor < 0) this.wakers.add(wake);
      });
    }
  }
}
