import { Inject, Injectable, Optional } from '@nestjs/common';
import { Peers } from '../delivery/peers.js';
import { Clock } from '../common/clock.js';
import { CourierError } from '../common/courier-error.js';
import { assertName } from '../common/names.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { Channel, DeadLetter, NewMessage, PublishResult } from '../store/stored-message.js';
import { Consumer } from '../delivery/consumer.js';
import { DeadLetters } from '../delivery/dead-letters.js';
import { channelKey, Dispatcher } from '../delivery/dispatcher.js';
import { Leases } from '../delivery/leases.js';
import { MAX_BATCH, PublishInput, toNewMessage } from '../publishing/publish-rules.js';
import { QueueStats, toQueueStats } from './queue-stats.js';
import { RedeliveryScheduler } from '../delivery/redelivery.scheduler.js';
import { Subscription } from '../delivery/subscription.js';
import { WakeBus } from '../delivery/wake-bus.js';

export const DEFAULT_PREFETCH = 10;
export const MAX_PREFETCH = 1000;

interface Burst {
  readonly channel: Channel;
  readonly messages: NewMessage[];
  readonly waiters: { resolve: (result: PublishResult) => void; reject: (error: unknown) => void }[];
}

export function queueChannel(ns: string, name: string): Channel {
  return { ns, kind: 'queue', name, client: '' };
}

/**
 * Point-to-point queues (contract §2): durable publish, competing consumers with prefetch, ack / nack,
 * redelivery and dead letters. Knows nothing of sockets or HTTP: a consumer is anything with `deliver`.
 */
@Injectable()
export class QueueService {
  /** consumer id → its subscriptions by queue key. */
  private readonly byConsumer = new Map<string, Map<string, Subscription>>();
  /** Single publishes waiting for the end of the current burst, by queue key. */
  private readonly bursts = new Map<string, Burst>();

  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly dispatcher: Dispatcher,
    private readonly leases: Leases,
    private readonly deadLettered: DeadLetters,
    private readonly wakeBus: WakeBus,
    private readonly scheduler: RedeliveryScheduler,
    private readonly clock: Clock,
    // Counts consumers on every node of a cluster; this node alone when not provided (unit tests).
    @Optional() private readonly peers: Peers = new Peers(),
  ) {
    wakeBus.onWake((channel) => {
      if (channel.kind === 'queue') dispatcher.wake(channel);
    });
    peers.handle('consumers', ({ ns, queue }: { ns: string; queue: string }) => this.consumerCount(ns, queue));
    store.onReset(() => this.declareSubscribed());
  }

  /** After the store lost its data: the queues this node's consumers use exist again (stats, listings). */
  private async declareSubscribed(): Promise<void> {
    const now = this.clock.now();
    const channels = new Map<string, Channel>();
    for (const subs of this.byConsumer.values()) for (const [key, sub] of subs) channels.set(key, sub.channel);
    for (const c of channels.values()) await this.store.declare(c.ns, 'queue', c.name, now);
  }

  /**
   * Stores one message; resolves once it is durable. Single publishes to the same queue made in the same
   * burst (before the next microtask) share one store write: the per-write cost, not the per-message one,
   * is what limits a store, and many producers publish one message at a time.
   */
  publish(ns: string, queue: string, input: PublishInput): Promise<PublishResult> {
    try {
      assertName('queue', queue);
      const message = toNewMessage(input);
      const key = `${ns}\0${queue}`;
      let burst = this.bursts.get(key);
      if (!burst) {
        this.bursts.set(key, (burst = { channel: queueChannel(ns, queue), messages: [], waiters: [] }));
        queueMicrotask(() => this.flushBurst(key));
      }
      burst.messages.push(message);
      return new Promise((resolve, reject) => burst.waiters.push({ resolve, reject }));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stores every message or none; resolves once they are durable. */
  async publishBatch(ns: string, queue: string, inputs: readonly PublishInput[]): Promise<PublishResult[]> {
    assertName('queue', queue);
    if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > MAX_BATCH) {
      throw CourierError.validation(`messages must hold 1 to ${MAX_BATCH} messages`, { field: 'messages' });
    }
    const messages = inputs.map((m, i) => toNewMessage(m, inputs.length > 1 ? `messages[${i}]` : ''));
    // Single publishes made before this batch are stored before it, so publish order holds.
    this.flushBurst(`${ns}\0${queue}`);
    return this.enqueue(queueChannel(ns, queue), messages);
  }

  /** Makes `consumer` a consumer of the queue (again: a new prefetch replaces the old one). */
  async subscribe(ns: string, queue: string, consumer: Consumer, prefetch = DEFAULT_PREFETCH): Promise<void> {
    assertName('queue', queue);
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > MAX_PREFETCH) {
      throw CourierError.validation(`prefetch must be an integer from 1 to ${MAX_PREFETCH}`, { field: 'prefetch' });
    }
    const channel = queueChannel(ns, queue);
    await this.store.declare(ns, 'queue', queue, this.clock.now());
    let subs = this.byConsumer.get(consumer.id);
    if (!subs) this.byConsumer.set(consumer.id, (subs = new Map()));
    const existing = subs.get(channelKey(channel));
    if (existing) {
      existing.prefetch = prefetch;
      this.dispatcher.wake(channel);
      return;
    }
    const sub = new Subscription(consumer, channel, prefetch);
    subs.set(channelKey(channel), sub);
    this.dispatcher.add(sub);
  }

  isSubscribed(ns: string, queue: string, consumerId: string): boolean {
    return this.byConsumer.get(consumerId)?.has(channelKey(queueChannel(ns, queue))) ?? false;
  }

  /** Stops deliveries to this consumer; what it held becomes ready again. */
  async unsubscribe(ns: string, queue: string, consumerId: string): Promise<void> {
    assertName('queue', queue);
    const channel = queueChannel(ns, queue);
    const subs = this.byConsumer.get(consumerId);
    const sub = subs?.get(channelKey(channel));
    if (!subs || !sub) return;
    subs.delete(channelKey(channel));
    if (subs.size === 0) this.byConsumer.delete(consumerId);
    this.dispatcher.remove(sub);
    await this.leases.releaseHeld(sub);
  }

  /** The consumer went away (socket closed): everything it held is released. */
  async consumerGone(consumerId: string): Promise<void> {
    const subs = this.byConsumer.get(consumerId);
    this.byConsumer.delete(consumerId);
    for (const sub of subs?.values() ?? []) this.dispatcher.remove(sub);
    await this.leases.releaseHolder(consumerId);
  }

  /** Whether this consumer holds `id` on a queue of `ns` (asked before settling anything). */
  holds(ns: string, consumerId: string, id: string): boolean {
    return this.subscriptionHolding(ns, consumerId, id) !== undefined;
  }

  /** Acks what this consumer holds among `ids`; returns the ids settled. */
  async ack(ns: string, consumerId: string, ids: readonly string[]): Promise<string[]> {
    const bySub = new Map<Subscription, string[]>();
    // A repeated id is settled (and counted) once.
    for (const id of new Set(ids)) {
      const sub = this.subscriptionHolding(ns, consumerId, id);
      if (!sub) continue;
      const list = bySub.get(sub);
      if (list) list.push(id);
      else bySub.set(sub, [id]);
    }
    if (bySub.size === 0) return [];
    const held = [...bySub.values()].flat();
    const settled = await this.store.ack(ns, held.map((id) => ({ id, client: '' })), consumerId, this.clock.now());
    const settledIds = new Set(settled.map((r) => r.id));
    for (const [sub, subIds] of bySub) this.dispatcher.acked(sub, subIds.filter((id) => settledIds.has(id)));
    return held.filter((id) => settledIds.has(id));
  }

  /** Requeues (optionally after `delayMs`) or dead-letters one held message. False when not held. */
  async nack(ns: string, consumerId: string, id: string, requeue: boolean, delayMs: number): Promise<boolean> {
    const sub = this.subscriptionHolding(ns, consumerId, id);
    return sub ? this.leases.nack(sub, { id, client: '' }, requeue, delayMs) : false;
  }

  /** getAll: what this consumer holds is delivered again (attempt + 1, new deadline), then its window refills. */
  async redeliverHeld(consumerId: string, queues?: readonly string[]): Promise<number> {
    let count = 0;
    for (const sub of this.byConsumer.get(consumerId)?.values() ?? []) {
      if (queues && !queues.includes(sub.channel.name)) continue;
      count += await this.dispatcher.redeliverHeld(sub);
    }
    return count;
  }

  /** Consumers of the queue connected to this node. */
  consumerCount(ns: string, queue: string): number {
    return this.dispatcher.subscriptions(queueChannel(ns, queue)).length;
  }

  async stats(ns: string, queue: string): Promise<QueueStats | null> {
    const s = await this.store.stats(ns, 'queue', queue);
    return s && toQueueStats(s, await this.peers.sum('consumers', { ns, queue }), this.clock.now());
  }

  async list(ns: string): Promise<QueueStats[]> {
    const names = await this.store.list(ns, 'queue');
    // One question to the other nodes of a cluster for the whole list, not one per queue.
    const [stored, consumers] = await Promise.all([
      Promise.all(names.map((name) => this.store.stats(ns, 'queue', name))),
      this.peers.sumEach('consumers', names.map((queue) => ({ ns, queue }))),
    ]);
    const now = this.clock.now();
    return stored.flatMap((s, i) => (s ? [toQueueStats(s, consumers[i], now)] : []));
  }

  deadLetters(ns: string, queue: string, limit: number): Promise<DeadLetter[]> {
    return this.deadLettered.list(ns, 'queue', queue, limit);
  }

  redrive(ns: string, queue: string): Promise<number> {
    return this.deadLettered.redrive(ns, 'queue', queue);
  }

  async purge(ns: string, queue: string): Promise<number> {
    return this.store.purge(queueChannel(ns, assertName('queue', queue)));
  }

  private async enqueue(channel: Channel, messages: NewMessage[]): Promise<PublishResult[]> {
    const now = this.clock.now();
    const results = await this.store.enqueue(channel, messages, now);
    this.wakeBus.wake([channel]);
    for (const m of messages) this.scheduler.dueAfter(now, m);
    return results;
  }

  private flushBurst(key: string): void {
    const burst = this.bursts.get(key);
    if (!burst) return;
    this.bursts.delete(key);
    this.enqueue(burst.channel, burst.messages).then(
      (results) => burst.waiters.forEach((w, i) => w.resolve(results[i])),
      (error: unknown) => burst.waiters.forEach((w) => w.reject(error)),
    );
  }

  private subscriptionHolding(ns: string, consumerId: string, id: string): Subscription | undefined {
    for (const sub of this.byConsumer.get(consumerId)?.values() ?? []) {
      if (sub.channel.ns === ns && sub.held.has(id)) return sub;
    }
    return undefined;
  }
}
