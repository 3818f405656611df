/** A FIFO async lock: one holder at a time, waiters served in arrival order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /** How many callers wait for the lock now (the holder not counted). */
  get waiting(): number {
    return Math.max(0, this.queued - 1);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.queued++;
    await previous;
    try {
      return await work();
    } finally {
      this.queued--;
      release();
    }
  }
}
