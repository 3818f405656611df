/**
 * How many uploads one device may have streaming into this process at once. A device sends its
 * files one after another; many at once from one login is a client gone wrong or a stolen
 * secret, and each upload holds a connection, a chunk buffer and database writes.
 */
export class UploadSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perDevice: number) {}

  /** A release function, or null when the device has all its slots in use (answer 429 / retry later). */
  take(deviceId: string): (() => void) | null {
    const used = this.inFlight.get(deviceId) ?? 0;
    if (used >= this.perDevice) return null;
    this.inFlight.set(deviceId, used + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(deviceId) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(deviceId);
      else this.inFlight.set(deviceId, left);
    };
  }
}
