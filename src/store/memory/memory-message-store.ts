import { newMessageId } from '../../common/message-id.js';
import { DeadLetterReason, MessageState } from '../message-state.js';
import { DEDUP_WINDOW_MS, MessageStore } from '../message-store.js';
import {
  Channel,
  ChannelStats,
  ClaimResult,
  DeadLetter,
  Delivery,
  FanOutResult,
  MessageRef,
  NewMessage,
  PublishResult,
  ReleaseOptions,
  SweepResult,
} from '../stored-message.js';
import { MinHeap } from './min-heap.js';

interface Rec {
  readonly seq: number;
  readonly id: string;
  readonly channel: Channel;
  readonly priority: number;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly publishedAt: number;
  expiresAt: number;
  state: MessageState;
  availableAt: number;
  attempts: number;
  holder: string | null;
  deadline: number;
  reason: DeadLetterReason | null;
  deadAt: number;
  /** Bumped on every transition, so heap entries made before it are known to be stale. */
  version: number;
}

interface Entry {
  readonly rec: Rec;
  readonly version: number;
  /** The heap's key when pushed (availableAt or deadline): a stale entry's rec changes, its key must not. */
  readonly at: number;
}

interface Counters {
  ready: number;
  inFlight: number;
  delayed: number;
  deadLettered: number;
  published: number;
  acked: number;
  redelivered: number;
}

const byPriorityThenSeq = (a: Entry, b: Entry): boolean =>
  a.rec.priority !== b.rec.priority ? a.rec.priority > b.rec.priority : a.rec.seq < b.rec.seq;

/** Keeps everything in this process: the same semantics as the durable stores, nothing survives a restart. */
export class MemoryMessageStore implements MessageStore {
  readonly shared = false;
  private seq = 0;
  private readonly records = new Map<string, Rec>();
  private readonly ready = new Map<string, MinHeap<Entry>>();
  private readonly delayed = new MinHeap<Entry>((a, b) => a.at < b.at);
  private readonly inFlight = new MinHeap<Entry>((a, b) => a.at < b.at);
  private readonly expiring = new MinHeap<Rec>((a, b) => a.expiresAt < b.expiresAt);
  private readonly byHolder = new Map<string, Set<Rec>>();
  private readonly counters = new Map<string, Counters>();
  private readonly declared = new Map<string, Set<string>>();
  private readonly dedup = new Map<string, { id: string; expiresAt: number }>();
  private readonly members = new Map<string, Set<string>>();

  async open(): Promise<void> {}

  async close(): Promise<void> {}

  async ping(): Promise<void> {}

  async declare(ns: string, kind: Channel['kind'], name: string): Promise<void> {
    this.countersOf(ns, kind, name);
  }

  async enqueue(channel: Channel, messages: readonly NewMessage[], now: number): Promise<PublishResult[]> {
    const batchKeys = new Map<string, string>();
    return messages.map((m) => {
      const known = m.key ? (batchKeys.get(m.key) ?? this.knownKey(channel, m.key, now)) : undefined;
      if (known) return { id: known, duplicate: true };
      const id = newMessageId(now);
      if (m.key) {
        batchKeys.set(m.key, id);
        this.dedup.set(this.dedupKey(channel, m.key), { id, expiresAt: now + DEDUP_WINDOW_MS });
      }
      this.insert(id, channel, m, now);
      return { id, duplicate: false };
    });
  }

  async fanOut(ns: string, room: string, message: NewMessage, now: number): Promise<FanOutResult> {
    const roomChannel: Channel = { ns, kind: 'room', name: room, client: '' };
    const known = message.key ? this.knownKey(roomChannel, message.key, now) : undefined;
    if (known) return { id: known, duplicate: true, clients: [] };
    const id = newMessageId(now);
    if (message.key) this.dedup.set(this.dedupKey(roomChannel, message.key), { id, expiresAt: now + DEDUP_WINDOW_MS });
    const clients = [...(this.members.get(`${ns}\0${room}`) ?? [])];
    this.countersOf(ns, 'room', room).published++;
    for (const client of clients) this.insert(id, { ns, kind: 'room', name: room, client }, message, now, false);
    return { id, duplicate: false, clients };
  }

  async claimNext(channel: Channel, holder: string, max: number, now: number, ackDeadline: number): Promise<ClaimResult> {
    const heap = this.ready.get(channelKey(channel));
    const deliveries: Delivery[] = [];
    let expired = 0;
    while (heap && deliveries.length < max && heap.size > 0) {
      const { rec, version } = heap.pop()!;
      if (rec.version !== version || rec.state !== 'ready') continue;
      if (rec.expiresAt && rec.expiresAt <= now) {
        this.toDead(rec, 'expired', now);
        expired++;
        continue;
      }
      deliveries.push(this.toInFlight(rec, holder, ackDeadline));
    }
    return { deliveries, expired };
  }

  async redeliverHeld(channel: Channel, holder: string, now: number, ackDeadline: number, maxAttempts: number, ids: readonly string[] | null): Promise<Delivery[]> {
    const only = ids && new Set(ids);
    const held = [...(this.byHolder.get(holder) ?? [])].filter((r) => sameChannel(r.channel, channel) && (!only || only.has(r.id)));
    held.sort((a, b) => a.seq - b.seq);
    const out: Delivery[] = [];
    for (const rec of held) {
      if (rec.attempts >= maxAttempts) this.toDead(rec, 'max-attempts', now);
      else out.push(this.toInFlight(rec, holder, ackDeadline));
    }
    return out;
  }

  async peekReady(channel: Channel, max: number, now: number): Promise<Delivery[]> {
    const heap = this.ready.get(channelKey(channel));
    if (!heap) return [];
    const live = heap
      .toArray()
      .filter((e) => e.rec.version === e.version && e.rec.state === 'ready' && !(e.rec.expiresAt && e.rec.expiresAt <= now))
      .sort((a, b) => (byPriorityThenSeq(a, b) ? -1 : 1));
    return live.slice(0, max).map(({ rec }) => toDelivery(rec, rec.attempts + 1));
  }

  async ack(ns: string, refs: readonly MessageRef[], holder: string | null): Promise<MessageRef[]> {
    const settled: MessageRef[] = [];
    for (const ref of refs) {
      const rec = this.records.get(recKey(ns, ref));
      if (!rec) continue;
      const ok = holder === null ? rec.channel.kind === 'room' && (rec.state === 'ready' || rec.state === 'inFlight') : rec.state === 'inFlight' && rec.holder === holder;
      if (!ok) continue;
      this.remove(rec);
      this.countersOf(ns, rec.channel.kind, rec.channel.name).acked++;
      settled.push(ref);
    }
    return settled;
  }

  async release(ns: string, refs: readonly MessageRef[], holder: string, options: ReleaseOptions): Promise<MessageRef[]> {
    const released: MessageRef[] = [];
    for (const ref of refs) {
      const rec = this.records.get(recKey(ns, ref));
      if (!rec || rec.state !== 'inFlight' || rec.holder !== holder) continue;
      this.releaseRec(rec, options);
      released.push(ref);
    }
    return released;
  }

  async releaseHolder(holder: string, options: ReleaseOptions): Promise<Channel[]> {
    const held = [...(this.byHolder.get(holder) ?? [])].sort((a, b) => a.seq - b.seq);
    const woken = new Map<string, Channel>();
    for (const rec of held) {
      this.releaseRec(rec, options);
      woken.set(channelKey(rec.channel), rec.channel);
    }
    return [...woken.values()];
  }

  async deadLetter(ns: string, refs: readonly MessageRef[], holder: string | null, now: number, reason: DeadLetterReason): Promise<MessageRef[]> {
    const out: MessageRef[] = [];
    for (const ref of refs) {
      const rec = this.records.get(recKey(ns, ref));
      if (!rec || rec.state === 'deadLettered') continue;
      if (holder !== null && (rec.state !== 'inFlight' || rec.holder !== holder)) continue;
      this.toDead(rec, reason, now);
      out.push(ref);
    }
    return out;
  }

  async sweep(now: number, maxAttempts: number, recoverAll: boolean): Promise<SweepResult> {
    const woken = new Map<string, Channel>();
    let timedOut = 0;
    let expired = 0;
    for (let top = this.delayed.peek(); top && top.at <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      if (top.rec.version !== top.version || top.rec.state !== 'delayed') continue;
      this.toReady(top.rec);
      woken.set(channelKey(top.rec.channel), top.rec.channel);
    }
    for (let top = this.inFlight.peek(); top && (recoverAll || top.at <= now); top = this.inFlight.peek()) {
      this.inFlight.pop();
      if (top.rec.version !== top.version || top.rec.state !== 'inFlight') continue;
      this.releaseRec(top.rec, { now, availableAt: now, maxAttempts });
      timedOut++;
      woken.set(channelKey(top.rec.channel), top.rec.channel);
    }
    for (let top = this.expiring.peek(); top && top.expiresAt <= now; top = this.expiring.peek()) {
      this.expiring.pop();
      if (this.records.get(recKey(top.channel.ns, top.id, top.channel.client)) !== top) continue;
      if (top.state === 'ready' || top.state === 'delayed') {
        this.toDead(top, 'expired', now);
        expired++;
      }
    }
    for (const [k, v] of this.dedup) if (v.expiresAt <= now) this.dedup.delete(k);
    const nextDueAt = minDefined([
      this.nextValid(this.delayed, (e) => e.rec.state === 'delayed'),
      this.nextValid(this.inFlight, (e) => e.rec.state === 'inFlight'),
      this.nextExpiry(),
    ]);
    return { woken: [...woken.values()], timedOut, expired, nextDueAt };
  }

  async redrive(ns: string, kind: Channel['kind'], name: string, now: number): Promise<Channel[]> {
    const dead = [...this.records.values()]
      .filter((r) => r.state === 'deadLettered' && r.channel.ns === ns && r.channel.kind === kind && r.channel.name === name)
      .sort((a, b) => a.seq - b.seq);
    const woken = new Map<string, Channel>();
    for (const rec of dead) {
      rec.attempts = 0;
      rec.expiresAt = 0;
      rec.reason = null;
      rec.availableAt = now;
      this.toReady(rec);
      woken.set(channelKey(rec.channel), rec.channel);
    }
    return [...woken.values()];
  }

  async purge(channel: Channel): Promise<number> {
    const heap = this.ready.get(channelKey(channel));
    if (!heap) return 0;
    let purged = 0;
    for (const { rec, version } of heap.toArray()) {
      if (rec.version !== version || rec.state !== 'ready') continue;
      this.remove(rec);
      purged++;
    }
    heap.clear();
    return purged;
  }

  async stats(ns: string, kind: Channel['kind'], name: string): Promise<ChannelStats | null> {
    if (!this.declared.get(`${ns}\0${kind}`)?.has(name)) return null;
    const c = this.countersOf(ns, kind, name);
    let oldestReadyAt: number | null = null;
    if (c.ready > 0) {
      for (const [key, heap] of this.ready) {
        if (!key.startsWith(`${ns}\0${kind}\0${name}\0`)) continue;
        for (const { rec, version } of heap.toArray()) {
          if (rec.version === version && rec.state === 'ready' && (oldestReadyAt === null || rec.publishedAt < oldestReadyAt)) {
            oldestReadyAt = rec.publishedAt;
          }
        }
      }
    }
    return { name, ...c, oldestReadyAt };
  }

  async list(ns: string, kind: Channel['kind']): Promise<string[]> {
    return [...(this.declared.get(`${ns}\0${kind}`) ?? [])].sort();
  }

  async deadLetters(ns: string, kind: Channel['kind'], name: string, limit: number): Promise<DeadLetter[]> {
    return [...this.records.values()]
      .filter((r) => r.state === 'deadLettered' && r.channel.ns === ns && r.channel.kind === kind && r.channel.name === name)
      .sort((a, b) => a.deadAt - b.deadAt || a.seq - b.seq)
      .slice(0, limit)
      .map((r) => ({ id: r.id, client: r.channel.client, payload: r.payload, attempts: r.attempts, reason: r.reason!, deadLetteredAt: r.deadAt }));
  }

  async join(ns: string, room: string, client: string): Promise<void> {
    const key = `${ns}\0${room}`;
    let set = this.members.get(key);
    if (!set) this.members.set(key, (set = new Set()));
    set.add(client);
    this.countersOf(ns, 'room', room);
  }

  async leave(ns: string, room: string, client: string): Promise<void> {
    this.members.get(`${ns}\0${room}`)?.delete(client);
  }

  async memberships(ns: string, client: string): Promise<string[]> {
    const rooms: string[] = [];
    for (const [key, set] of this.members) {
      const [kns, room] = key.split('\0');
      if (kns === ns && set.has(client)) rooms.push(room);
    }
    return rooms.sort();
  }

  /** A file (or memory) never loses its data while the process runs. */
  onReset(): void {}

  async memberCount(ns: string, room: string): Promise<number> {
    return this.members.get(`${ns}\0${room}`)?.size ?? 0;
  }

  private insert(id: string, channel: Channel, m: NewMessage, now: number, countPublish = true): void {
    const rec: Rec = {
      seq: ++this.seq,
      id,
      channel,
      priority: m.priority,
      payload: m.payload,
      headers: m.headers,
      publishedAt: now,
      expiresAt: m.ttlMs > 0 ? now + m.ttlMs : 0,
      state: 'delayed',
      availableAt: now + m.delayMs,
      attempts: 0,
      holder: null,
      deadline: 0,
      reason: null,
      deadAt: 0,
      version: 0,
    };
    this.records.set(recKey(channel.ns, rec.id, channel.client), rec);
    const c = this.countersOf(channel.ns, channel.kind, channel.name);
    if (countPublish) c.published++;
    if (rec.expiresAt) this.expiring.push(rec);
    if (m.delayMs > 0) {
      c.delayed++;
      this.delayed.push({ rec, version: rec.version, at: rec.availableAt });
    } else {
      rec.state = 'ready';
      c.ready++;
      this.readyHeap(channel).push({ rec, version: rec.version, at: 0 });
    }
  }

  private releaseRec(rec: Rec, { now, availableAt, maxAttempts }: ReleaseOptions): void {
    if (rec.attempts >= maxAttempts) return this.toDead(rec, 'max-attempts', now);
    rec.availableAt = availableAt;
    if (availableAt > now) this.toDelayed(rec);
    else this.toReady(rec);
  }

  private toReady(rec: Rec): void {
    this.watchExpiry(rec);
    this.leaveState(rec);
    rec.state = 'ready';
    rec.version++;
    this.countersOf(rec.channel.ns, rec.channel.kind, rec.channel.name).ready++;
    this.readyHeap(rec.channel).push({ rec, version: rec.version, at: 0 });
  }

  private toDelayed(rec: Rec): void {
    this.watchExpiry(rec);
    this.leaveState(rec);
    rec.state = 'delayed';
    rec.version++;
    this.countersOf(rec.channel.ns, rec.channel.kind, rec.channel.name).delayed++;
    this.delayed.push({ rec, version: rec.version, at: rec.availableAt });
  }

  /**
   * A record back from in flight or the dead letters expires again like any ready or delayed one: the sweep
   * drops expiry entries of records in other states, so it needs a new one.
   */
  private watchExpiry(rec: Rec): void {
    if (rec.expiresAt && (rec.state === 'inFlight' || rec.state === 'deadLettered')) this.expiring.push(rec);
  }

  private toInFlight(rec: Rec, holder: string, deadline: number): Delivery {
    this.leaveState(rec);
    const c = this.countersOf(rec.channel.ns, rec.channel.kind, rec.channel.name);
    if (rec.attempts > 0) c.redelivered++;
    c.inFlight++;
    rec.state = 'inFlight';
    rec.version++;
    rec.attempts++;
    rec.holder = holder;
    rec.deadline = deadline;
    let held = this.byHolder.get(holder);
    if (!held) this.byHolder.set(holder, (held = new Set()));
    held.add(rec);
    this.inFlight.push({ rec, version: rec.version, at: deadline });
    return toDelivery(rec, rec.attempts);
  }

  private toDead(rec: Rec, reason: DeadLetterReason, now: number): void {
    this.leaveState(rec);
    rec.state = 'deadLettered';
    rec.version++;
    rec.reason = reason;
    rec.deadAt = now;
    this.countersOf(rec.channel.ns, rec.channel.kind, rec.channel.name).deadLettered++;
  }

  private remove(rec: Rec): void {
    this.leaveState(rec);
    rec.version++;
    this.records.delete(recKey(rec.channel.ns, rec.id, rec.channel.client));
  }

  /** Takes the record out of its current state's count and holder index. */
  private leaveState(rec: Rec): void {
    const c = this.countersOf(rec.channel.ns, rec.channel.kind, rec.channel.name);
    c[rec.state]--;
    if (rec.holder !== null) {
      const held = this.byHolder.get(rec.holder);
      held?.delete(rec);
      if (held && held.size === 0) this.byHolder.delete(rec.holder);
      rec.holder = null;
    }
  }

  private readyHeap(channel: Channel): MinHeap<Entry> {
    const key = channelKey(channel);
    let heap = this.ready.get(key);
    if (!heap) this.ready.set(key, (heap = new MinHeap(byPriorityThenSeq)));
    return heap;
  }

  private countersOf(ns: string, kind: Channel['kind'], name: string): Counters {
    const key = `${ns}\0${kind}\0${name}`;
    let c = this.counters.get(key);
    if (!c) {
      c = { ready: 0, inFlight: 0, delayed: 0, deadLettered: 0, published: 0, acked: 0, redelivered: 0 };
      this.counters.set(key, c);
      let names = this.declared.get(`${ns}\0${kind}`);
      if (!names) this.declared.set(`${ns}\0${kind}`, (names = new Set()));
      names.add(name);
    }
    return c;
  }

  private knownKey(channel: Channel, key: string, now: number): string | undefined {
    const hit = this.dedup.get(this.dedupKey(channel, key));
    return hit && hit.expiresAt > now ? hit.id : undefined;
  }

  private dedupKey(channel: Channel, key: string): string {
    return `${channel.ns}\0${channel.kind}\0${channel.name}\0${key}`;
  }

  private nextValid(heap: MinHeap<Entry>, live: (e: Entry) => boolean): number | undefined {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (top.rec.version === top.version && live(top)) return top.at;
      heap.pop();
    }
    return undefined;
  }

  /** Earliest expiry of a ready or delayed record, dropping entries of records gone or in other states. */
  private nextExpiry(): number | undefined {
    for (let top = this.expiring.peek(); top; top = this.expiring.peek()) {
      const live = this.records.get(recKey(top.channel.ns, top.id, top.channel.client)) === top;
      if (live && (top.state === 'ready' || top.state === 'delayed')) return top.expiresAt;
      this.expiring.pop();
    }
    return undefined;
  }
}

function channelKey(c: Channel): string {
  return `${c.ns}\0${c.kind}\0${c.name}\0${c.client}`;
}

function sameChannel(a: Channel, b: Channel): boolean {
  return a.ns === b.ns && a.kind === b.kind && a.name === b.name && a.client === b.client;
}

function recKey(ns: string, refOrId: MessageRef | string, client?: string): string {
  return typeof refOrId === 'string' ? `${ns}\0${refOrId}\0${client}` : `${ns}\0${refOrId.id}\0${refOrId.client}`;
}

function toDelivery(rec: Rec, attempt: number): Delivery {
  return { id: rec.id, channel: rec.channel, payload: rec.payload, headers: rec.headers, attempt, publishedAt: rec.publishedAt };
}

function minDefined(values: (number | undefined)[]): number | null {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length ? Math.min(...defined) : null;
}
