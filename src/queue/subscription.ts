import { Channel } from '../store/stored-message.js';
import { Consumer } from './consumer.js';

/** One consumer on one queue: its prefetch window and what it holds (id → ack deadline). */
export class Subscription {
  readonly held = new Map<string, number>();
  /** Slots reserved by a claim that has not come back yet. */
  pending = 0;
  /** Set once the consumer left: late claims for it are handed back. */
  closed = false;

  constructor(
    readonly consumer: Consumer,
    readonly channel: Channel,
    public prefetch: number,
  ) {}

  get free(): number {
    return this.prefetch - this.held.size - this.pending;
  }
}
