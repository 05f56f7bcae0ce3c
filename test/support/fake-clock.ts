import { Clock } from '../../src/common/clock.js';

/** A Clock that tests move by hand, so time-based rules run without sleeping. */
export class FakeClock extends Clock {
  constructor(public t = 1_700_000_000_000) {
    super();
  }

  override now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
