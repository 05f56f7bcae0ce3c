import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { Channel, Delivery } from '../store/stored-message.js';
import { splitReadable } from './readable-deliveries.js';
import { Subscription } from './subscription.js';

/** Most a consumer claims per round when others compete for the same channel. */
const SHARE_PER_ROUND = 32;
/** A store that keeps failing is logged at most this often per channel (a Redis outage fails every wake). */
const FAILURE_LOG_EVERY_MS = 5000;

interface Line {
  readonly channel: Channel;
  readonly subs: Subscription[];
  /** Rotates the first subscription served, so competing consumers share the load. */
  turn: number;
  running: boolean;
  again: boolean;
  lastFailureLogAt: number;
}

/**
 * Push delivery, written once for queues and for durable room members: when a channel may have ready
 * messages and its subscriptions have free prefetch slots, claim into those slots and hand the
 * deliveries over. Claims issued in one turn share one store transaction (group commit).
 */
@Injectable()
export class Dispatcher {
  private readonly logger = new Logger(Dispatcher.name);
  private readonly lines = new Map<string, Line>();
  private readonly listeners: ((channel: Channel, deliveries: readonly Delivery[]) => void)[] = [];
  private readonly ackListeners: ((channel: Channel, publishedAt: readonly number[]) => void)[] = [];

  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly clock: Clock,
    private readonly config: CourierConfig,
  ) {
    // What this node held is gone with the store's data: free the windows so consumers get what comes next.
    store.onReset(async () => this.forgetHeld());
  }

  /** Observers of every delivery (metrics). */
  onDeliver(listener: (channel: Channel, deliveries: readonly Delivery[]) => void): void {
    this.listeners.push(listener);
  }

  add(sub: Subscription): void {
    const key = channelKey(sub.channel);
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = { channel: sub.channel, subs: [], turn: 0, running: false, again: false, lastFailureLogAt: 0 }));
    line.subs.push(sub);
    void this.dispatch(line);
  }

  remove(sub: Subscription): void {
    const key = channelKey(sub.channel);
    const line = this.lines.get(key);
    if (!line) return;
    sub.closed = true;
    const i = line.subs.indexOf(sub);
    if (i >= 0) line.subs.splice(i, 1);
    if (line.subs.length === 0 && !line.running) this.lines.delete(key);
  }

  subscriptions(channel: Channel): readonly Subscription[] {
    return this.lines.get(channelKey(channel))?.subs ?? [];
  }

  wake(channel: Channel): void {
    const line = this.lines.get(channelKey(channel));
    // Most wakes (a publish while every window is full) have nothing to claim into: skip the round.
    if (line && (line.running || line.subs.some((sub) => sub.free > 0))) void this.dispatch(line);
  }

  /** Observers of acks made through this node, with each message's publish time (metrics). */
  onAck(listener: (channel: Channel, publishedAt: readonly number[]) => void): void {
    this.ackListeners.push(listener);
  }

  /** Acked messages: observers hear of them, then their slots are refilled. */
  acked(sub: Subscription, ids: readonly string[]): void {
    if (this.ackListeners.length) {
      const times = ids.flatMap((id) => sub.held.get(id)?.publishedAt ?? []);
      for (const listener of this.ackListeners) listener(sub.channel, times);
    }
    this.settled(sub, ids);
  }

  /** Frees the slots of settled messages and refills them. */
  settled(sub: Subscription, ids: readonly string[]): void {
    for (const id of ids) sub.held.delete(id);
    this.wake(sub.channel);
  }

  /**
   * getAll for one subscription: what it holds is delivered again (attempt + 1, a new deadline; at
   * MAX_ATTEMPTS the store dead-letters instead), then its window refills. `wanted` picks which held
   * deliveries, by their headers (caps events): the others keep their attempt and deadline. Returns how many
   * were sent.
   */
  async redeliverHeld(sub: Subscription, wanted?: (headers: Readonly<Record<string, string>>) => boolean): Promise<number> {
    const ids = wanted ? [...sub.held].filter(([, h]) => wanted(h.headers)).map(([id]) => id) : null;
    if (ids?.length === 0) return 0;
    const now = this.clock.now();
    const deadline = this.deadline(now);
    const claimed = await this.store.redeliverHeld(sub.channel, sub.consumer.id, now, deadline, this.config.maxAttempts, ids);
    for (const id of ids ?? [...sub.held.keys()]) sub.held.delete(id);
    const deliveries = this.readable(sub.channel, claimed, sub.consumer.id);
    this.hold(sub, deliveries, deadline);
    if (deliveries.length) sub.consumer.deliver(deliveries);
    this.wake(sub.channel);
    return deliveries.length;
  }

  /**
   * Mirrors the store's ack-timeout sweep locally: what passed its deadline is no longer held here, and
   * the windows that got slots back are refilled.
   */
  expireHeld(now: number): void {
    for (const line of this.lines.values()) {
      let freed = false;
      for (const sub of line.subs) {
        for (const [id, { deadline }] of sub.held) {
          if (deadline <= now) {
            sub.held.delete(id);
            freed = true;
          }
        }
      }
      if (freed) void this.dispatch(line);
    }
  }

  /** Forgets every delivery this node holds (the store lost them) and refills the windows. */
  forgetHeld(): void {
    for (const line of this.lines.values()) {
      for (const sub of line.subs) sub.held.clear();
      void this.dispatch(line);
    }
  }

  deadline(now: number): number {
    return now + this.config.ackTimeoutMs;
  }

  private async dispatch(line: Line): Promise<void> {
    if (line.running) {
      line.again = true;
      return;
    }
    line.running = true;
    try {
      do {
        line.again = false;
        const n = line.subs.length;
        if (n === 0) break;
        const start = line.turn++ % n;
        const claims: Promise<boolean>[] = [];
        for (let k = 0; k < n; k++) {
          const sub = line.subs[(start + k) % n];
          // With competitors, take a share per round so a short burst spreads over every consumer.
          const free = n === 1 ? sub.free : Math.min(sub.free, SHARE_PER_ROUND);
          if (free > 0) claims.push(this.claimInto(sub, free));
        }
        if (claims.length === 0) break;
        const filled = await Promise.all(claims);
        // A claim that came back full may have left more behind: go round again.
        if (filled.some(Boolean)) line.again = true;
      } while (line.again);
    } catch (error) {
      // What was not claimed stays ready and the next wake retries; a claimed batch that could not be handed
      // over comes back at its ack deadline. Either way it is said, never swallowed.
      const now = Date.now();
      if (now - line.lastFailureLogAt >= FAILURE_LOG_EVERY_MS) {
        line.lastFailureLogAt = now;
        const c = line.channel;
        this.logger.error(`dispatch to ${c.ns}/${c.kind} ${c.name}${c.client ? ` (${c.client})` : ''} failed: ${(error as Error)?.message ?? String(error)}`);
      }
    } finally {
      line.running = false;
      if (line.subs.length === 0) this.lines.delete(channelKey(line.channel));
    }
  }

  private async claimInto(sub: Subscription, max: number): Promise<boolean> {
    sub.pending += max;
    const now = this.clock.now();
    const deadline = this.deadline(now);
    let deliveries: Delivery[];
    try {
      ({ deliveries } = await this.store.claimNext(sub.channel, sub.consumer.id, max, now, deadline));
    } finally {
      sub.pending -= max;
    }
    if (deliveries.length === 0) return false;
    const claimed = deliveries.length;
    if (sub.closed) {
      const refs = deliveries.map((d) => ({ id: d.id, client: d.channel.client }));
      await this.store.release(sub.channel.ns, refs, sub.consumer.id, { now, availableAt: now, maxAttempts: this.config.maxAttempts });
      return false;
    }
    deliveries = this.readable(sub.channel, deliveries, sub.consumer.id);
    this.hold(sub, deliveries, deadline);
    if (deliveries.length) {
      sub.consumer.deliver(deliveries);
      for (const listener of this.listeners) listener(sub.channel, deliveries);
    }
    return claimed === max;
  }

  private hold(sub: Subscription, deliveries: readonly Delivery[], deadline: number): void {
    for (const d of deliveries) sub.held.set(d.id, { deadline, publishedAt: d.publishedAt, headers: d.headers });
  }

  /**
   * The deliveries whose stored record decodes, each with its payload decoded; the others are dead-lettered
   * alone as `unreadable` and logged at error (contract §2). `holder` null: they were only peeked (mailbox).
   */
  readable(channel: Channel, deliveries: Delivery[], holder: string | null): Delivery[] {
    const { readable, unreadable } = splitReadable(deliveries);
    if (unreadable.length === 0) return readable;
    const where = `${channel.ns}/${channel.kind} ${channel.name}${channel.client ? ` (${channel.client})` : ''}`;
    for (const d of unreadable) this.logger.error(`message ${d.id} in ${where}: its stored record cannot be read; dead-lettered as unreadable`);
    const refs = unreadable.map((d) => ({ id: d.id, client: d.channel.client }));
    this.store.deadLetter(channel.ns, refs, holder, this.clock.now(), 'unreadable').catch((error: Error) => {
      // It stays where it was (in flight until its deadline, or ready) and is set aside at its next delivery.
      this.logger.error(`dead-lettering unreadable messages in ${where} failed: ${error.message}`);
    });
    return readable;
  }
}

export function channelKey(c: Channel): string {
  return `${c.ns}\0${c.kind}\0${c.name}\0${c.client}`;
}
