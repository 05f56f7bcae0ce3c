/**
 * Measures how long the driver's event loop stalls: a stalled driver sees deliveries late, and the
 * checker widens its time slacks by the longest stall so that a busy machine is not read as a bug.
 */
export class LagMonitor {
  private max = 0;
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly everyMs = 50) {
    this.timer = setInterval(() => {
      const now = Date.now();
      this.max = Math.max(this.max, now - this.last - this.everyMs);
      this.last = now;
    }, everyMs);
    this.timer.unref();
  }

  /** The longest stall so far, in ms. */
  get maxLagMs(): number {
    return Math.max(0, this.max);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
