import { Channel } from '../store/stored-message.js';
import { Consumer } from './consumer.js';

/** A delivery this node handed out and is waiting on. */
export interface Held {
  readonly deadline: number;
  readonly publishedAt: number;
  /** The delivery's headers, so getAll can pick what to send again without reading the store. */
  readonly headers: Readonly<Record<string, string>>;
}

/** One consumer on one queue: its prefetch window and what it holds (id → deadline and publish time). */
export class Subscription {
  readonly held = new Map<string, Held>();
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
