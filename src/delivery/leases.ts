import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { MessageRef, ReleaseOptions } from '../store/stored-message.js';
import { Dispatcher } from './dispatcher.js';
import { RedeliveryScheduler } from './redelivery.scheduler.js';
import { Subscription } from './subscription.js';
import { WakeBus } from './wake-bus.js';

/**
 * Ending leases early, written once for queue deliveries and room copies: a consumer hands a delivery back
 * (`nack`), gives up what it holds on a channel (unsubscribe), or goes away (disconnect). What comes back is
 * ready again (or delayed, or dead-lettered at MAX_ATTEMPTS), and the channel is woken on every node.
 */
@Injectable()
export class Leases {
  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly dispatcher: Dispatcher,
    private readonly wakeBus: WakeBus,
    private readonly scheduler: RedeliveryScheduler,
    private readonly clock: Clock,
    private readonly config: CourierConfig,
  ) {}

  /**
   * Requeues (after `delayMs`) or dead-letters (`rejected`) one delivery `sub` holds. False when the store
   * no longer had it in flight for this holder (its lease ended).
   */
  async nack(sub: Subscription, ref: MessageRef, requeue: boolean, delayMs: number): Promise<boolean> {
    const now = this.clock.now();
    const done = requeue
      ? await this.store.release(sub.channel.ns, [ref], sub.consumer.id, this.releasing(now, now + delayMs))
      : await this.store.deadLetter(sub.channel.ns, [ref], sub.consumer.id, now, 'rejected');
    this.dispatcher.settled(sub, [ref.id]);
    if (done.length && requeue) this.wakeBus.wake([sub.channel]);
    if (delayMs > 0) this.scheduler.dueAt(now + delayMs);
    return done.length > 0;
  }

  /** Hands back everything `sub` holds (it stopped consuming the channel). */
  async releaseHeld(sub: Subscription): Promise<void> {
    const refs = [...sub.held.keys()].map((id) => ({ id, client: sub.channel.client }));
    if (refs.length === 0) return;
    await this.store.release(sub.channel.ns, refs, sub.consumer.id, this.releasing(this.clock.now()));
    this.wakeBus.wake([sub.channel]);
  }

  /** Hands back everything one holder has in flight, in every channel (its consumer went away). */
  async releaseHolder(holder: string): Promise<void> {
    this.wakeBus.wake(await this.store.releaseHolder(holder, this.releasing(this.clock.now())));
  }

  private releasing(now: number, availableAt = now): ReleaseOptions {
    return { now, availableAt, maxAttempts: this.config.maxAttempts };
  }
}
