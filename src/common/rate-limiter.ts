/**
 * A per-key limit of `perSecond` events in each one-second window (0 = unlimited). One Map entry per
 * active key; entries of past windows are dropped as the map is swept, so idle keys cost nothing.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep = 0;

  constructor(private readonly perSecond: number) {}

  /** Counts one event for `key`; false when the key is over its limit in the current window. */
  take(key: string, now: number): boolean {
    if (this.perSecond === 0) return true;
    if (now - this.lastSweep >= 1000) this.sweep(now);
    const w = this.windows.get(key);
    if (!w || now - w.start >= 1000) {
      this.windows.set(key, { start: now, count: 1 });
      return true;
    }
    return ++w.count <= this.perSecond;
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, w] of this.windows) if (now - w.start >= 1000) this.windows.delete(key);
  }
}
