import { Logger } from '@nestjs/common';
import { Redis, ReplyError } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { CourierError } from '../../common/courier-error.js';
import { ErrorCode } from '../../common/error-code.js';
import { newMessageId } from '../../common/message-id.js';
import { DeadLetterReason } from '../message-state.js';
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
import { decodeHeaders } from '../record-decoding.js';
import { closeRedis, connectRedis, createRedisClient } from './redis-connection.js';
import { ACK_COPIES } from './scripts/ack-copies.js';
import { CLAIM_NEXT } from './scripts/claim-next.js';
import { DEAD_LETTER_COPIES } from './scripts/dead-letter-copies.js';
import { ENQUEUE_MESSAGES } from './scripts/enqueue-messages.js';
import { FAN_OUT } from './scripts/fan-out.js';
import { PEEK_READY } from './scripts/peek-ready.js';
import { PRELUDE } from './scripts/prelude.js';
import { PURGE_READY } from './scripts/purge-ready.js';
import { READ_DEAD_LETTERS } from './scripts/read-dead-letters.js';
import { READ_STATS } from './scripts/read-stats.js';
import { REDELIVER_HELD } from './scripts/redeliver-held.js';
import { RedisScript } from './scripts/redis-script.js';
import { REDRIVE_DEAD } from './scripts/redrive-dead.js';
import { RELEASE_COPIES } from './scripts/release-copies.js';
import { RELEASE_HOLDER } from './scripts/release-holder.js';
import { SWEEP_DUE } from './scripts/sweep-due.js';

export const DEFAULT_REDIS_PREFIX = 'courier:';

const SCRIPTS: readonly RedisScript[] = [
  ENQUEUE_MESSAGES,
  FAN_OUT,
  CLAIM_NEXT,
  REDELIVER_HELD,
  PEEK_READY,
  ACK_COPIES,
  RELEASE_COPIES,
  RELEASE_HOLDER,
  DEAD_LETTER_COPIES,
  SWEEP_DUE,
  REDRIVE_DEAD,
  PURGE_READY,
  READ_STATS,
  READ_DEAD_LETTERS,
];

/** Copies one sweep moves at most per kind, so a backlog never blocks Redis (single-threaded) for long. */
const SWEEP_BATCH = 1000;
/** Copies one run of purge or redrive handles (about 15 ms of Redis time). */
const BULK_BATCH = 1000;
/** A live store instance refreshes its heartbeat this often; it lapses after HEARTBEAT_TTL_MS (recoverAll). */
const HEARTBEAT_EVERY_MS = 5000;
const HEARTBEAT_TTL_MS = 15_000;
/** How often a node checks that Redis still holds Courier's data (its epoch marker), contract §2: "within seconds". */
const EPOCH_CHECK_EVERY_MS = 1000;

type Reply = string | number | null;

/**
 * The shared store (`STORE=redis`): several nodes use one Redis and form one service. Every transition is
 * one Lua script (scripts/, key layout in scripts/prelude.ts), so it is atomic across nodes: two nodes
 * never claim one copy, and a node that dies mid-call leaves a transition done or not done, never half.
 *
 * Durability is Redis's: a publish resolves once Redis applied it; whether it survives a Redis crash is
 * the server's `appendonly` / `appendfsync` setting (docs/redis.md).
 *
 * @example
 *   const store = new RedisMessageStore('redis://127.0.0.1:6379', 'courier:');
 *   await store.open();
 */
export class RedisMessageStore implements MessageStore {
  readonly shared = true;
  private readonly redis: Redis;
  /**
   * Publishes go over a connection of their own: on one connection a producer's batches queue ahead of the
   * consumers' claims and acks (Redis answers a connection's commands in order), and a busy node's consumers
   * starve while its backlog grows. Two connections let Redis take turns between them.
   */
  private readonly publisher: Redis;
  /** This instance, recorded on what it claims: recoverAll releases only its own and dead instances' claims. */
  private readonly instance = randomUUID();
  private heartbeat: NodeJS.Timeout | null = null;
  private epochWatch: NodeJS.Timeout | null = null;
  /**
   * The marker of the data this node works on: set once (NX) by the first node, kept by Redis with the data.
   * Missing or different means Redis lost the data (restarted empty, flushed) and totals, memberships and
   * the queue registry must be declared again.
   */
  private epoch = '';
  /** Set from the moment a reset is seen until every listener has declared again what it holds. */
  private resetting: Promise<void> | null = null;
  private readonly resetListeners: (() => Promise<void>)[] = [];
  private readonly logger = new Logger(RedisMessageStore.name);

  constructor(
    private readonly url: string,
    readonly prefix: string = DEFAULT_REDIS_PREFIX,
  ) {
    this.redis = createRedisClient(url, 'store');
    this.publisher = createRedisClient(url, 'store-publish');
    for (const client of [this.redis, this.publisher]) {
      for (const script of SCRIPTS) client.defineCommand(script.name, { numberOfKeys: 0, lua: PRELUDE + script.lua });
    }
  }

  async open(): Promise<void> {
    await connectRedis(this.redis, this.url);
    await connectRedis(this.publisher, this.url);
    this.epoch = await this.claimEpoch();
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
    this.epochWatch = setInterval(() => void this.checkEpoch(), EPOCH_CHECK_EVERY_MS);
    this.epochWatch.unref();
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.epochWatch) clearInterval(this.epochWatch);
    this.heartbeat = null;
    this.epochWatch = null;
    if (this.redis.status === 'ready') await this.redis.del(this.nodeKey()).catch(() => undefined);
    await Promise.all([closeRedis(this.redis), closeRedis(this.publisher)]);
  }

  /** A write, not a PING: a Redis that answers but refuses writes (out of memory, MISCONF, read-only replica) is not healthy. */
  async ping(): Promise<void> {
    await this.guard(() => this.redis.set(`${this.prefix}probe`, String(Date.now()), 'PX', 60_000));
    if (this.resetting) throw new CourierError(ErrorCode.UNAVAILABLE, 'Redis lost Courier\'s data; this node is declaring again what it holds');
  }

  onReset(listener: () => Promise<void>): void {
    this.resetListeners.push(listener);
  }

  /** The data's epoch marker: the one already there, or a new one this node sets. */
  private async claimEpoch(): Promise<string> {
    const key = `${this.prefix}epoch`;
    await this.redis.set(key, randomUUID(), 'NX');
    return (await this.redis.get(key)) ?? '';
  }

  /** Compares the marker with the one this node started on; a change starts the reset (once at a time). */
  private async checkEpoch(): Promise<void> {
    if (this.resetting) return;
    let current: string | null;
    try {
      current = await this.redis.get(`${this.prefix}epoch`);
    } catch {
      return; // Redis unreachable: health already says so; the check runs again once it is back.
    }
    if (current === this.epoch) return;
    this.logger.error('Redis lost Courier\'s data (restarted without persistence, or flushed): counts restart from zero; declaring again the consumers, members and memberships this node holds');
    this.resetting = this.recover().finally(() => (this.resetting = null));
  }

  private async recover(): Promise<void> {
    for (;;) {
      try {
        const epoch = await this.claimEpoch();
        await this.beat();
        for (const listener of this.resetListeners) await listener();
        this.epoch = epoch;
        this.logger.warn('declared again what this node holds after the Redis data loss');
        return;
      } catch (error) {
        this.logger.error(`declaring again after the Redis data loss failed (retrying): ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, EPOCH_CHECK_EVERY_MS));
        if (!this.epochWatch) return;
      }
    }
  }

  async declare(ns: string, kind: Channel['kind'], name: string, _now: number): Promise<void> {
    await this.guard(() => this.redis.sadd(this.registryKey(ns, kind), name));
  }

  async enqueue(channel: Channel, messages: readonly NewMessage[], now: number): Promise<PublishResult[]> {
    const args: (string | number)[] = [now, DEDUP_WINDOW_MS, channel.ns, channel.kind, channel.name, channel.client];
    for (const m of messages) args.push(newMessageId(now), m.key, m.priority, m.delayMs, m.ttlMs, m.payload, JSON.stringify(m.headers));
    const out = await this.run<Reply[]>(ENQUEUE_MESSAGES, args, this.publisher);
    const results: PublishResult[] = [];
    for (let i = 0; i < out.length; i += 2) results.push({ id: String(out[i]), duplicate: Number(out[i + 1]) === 1 });
    return results;
  }

  async fanOut(ns: string, room: string, message: NewMessage, now: number): Promise<FanOutResult> {
    const m = message;
    const args = [now, DEDUP_WINDOW_MS, ns, room, newMessageId(now), m.key, m.priority, m.delayMs, m.ttlMs, m.payload, JSON.stringify(m.headers)];
    const [id, duplicate, ...clients] = await this.run<Reply[]>(FAN_OUT, args, this.publisher);
    return { id: String(id), duplicate: Number(duplicate) === 1, clients: clients.map(String) };
  }

  async claimNext(channel: Channel, holder: string, max: number, now: number, ackDeadline: number): Promise<ClaimResult> {
    const c = channel;
    const [expired, ...rest] = await this.run<Reply[]>(CLAIM_NEXT, [now, c.ns, c.kind, c.name, c.client, holder, this.instance, max, ackDeadline]);
    return { deliveries: toDeliveries(channel, rest), expired: Number(expired) };
  }

  async redeliverHeld(channel: Channel, holder: string, now: number, ackDeadline: number, maxAttempts: number, ids: readonly string[] | null): Promise<Delivery[]> {
    const c = channel;
    if (ids && ids.length === 0) return [];
    const args = [now, c.ns, c.kind, c.name, c.client, holder, this.instance, ackDeadline, maxAttempts, ...(ids ?? [])];
    return toDeliveries(channel, await this.run<Reply[]>(REDELIVER_HELD, args));
  }

  async peekReady(channel: Channel, max: number, now: number): Promise<Delivery[]> {
    const c = channel;
    return toDeliveries(channel, await this.run<Reply[]>(PEEK_READY, [now, c.ns, c.kind, c.name, c.client, max]));
  }

  async ack(ns: string, refs: readonly MessageRef[], holder: string | null, now: number): Promise<MessageRef[]> {
    if (refs.length === 0) return [];
    const positions = await this.run<number[]>(ACK_COPIES, [now, ns, holder ?? '', holder === null ? 1 : 0, ...refArgs(refs)]);
    return positions.map((p) => refs[p - 1]);
  }

  async release(ns: string, refs: readonly MessageRef[], holder: string, options: ReleaseOptions): Promise<MessageRef[]> {
    if (refs.length === 0) return [];
    const args = [options.now, ns, holder, options.availableAt, options.maxAttempts, ...refArgs(refs)];
    const positions = await this.run<number[]>(RELEASE_COPIES, args);
    return positions.map((p) => refs[p - 1]);
  }

  async releaseHolder(holder: string, options: ReleaseOptions): Promise<Channel[]> {
    return toChannels(await this.run<Reply[]>(RELEASE_HOLDER, [options.now, holder, options.availableAt, options.maxAttempts]));
  }

  async deadLetter(ns: string, refs: readonly MessageRef[], holder: string | null, now: number, reason: DeadLetterReason): Promise<MessageRef[]> {
    if (refs.length === 0) return [];
    const positions = await this.run<number[]>(DEAD_LETTER_COPIES, [now, ns, holder ?? '', reason, ...refArgs(refs)]);
    return positions.map((p) => refs[p - 1]);
  }

  /**
   * In a shared store other nodes' deliveries are not this node's to recover, so `recoverAll` releases
   * only what this store instance holds and what instances whose heartbeat lapsed (crashed nodes) hold;
   * deliveries of live nodes wait for their ack deadline.
   */
  async sweep(now: number, maxAttempts: number, recoverAll: boolean): Promise<SweepResult> {
    const [timedOut, expired, nextDueAt, ...woken] = await this.run<Reply[]>(SWEEP_DUE, [
      now,
      maxAttempts,
      recoverAll ? 1 : 0,
      this.instance,
      SWEEP_BATCH,
    ]);
    return {
      woken: toChannels(woken),
      timedOut: Number(timedOut),
      expired: Number(expired),
      nextDueAt: nextDueAt === '' || nextDueAt === null ? null : Number(nextDueAt),
    };
  }

  /** In runs of BULK_BATCH, each atomic: a redrive of a million dead letters must not stall every node. */
  async redrive(ns: string, kind: Channel['kind'], name: string, now: number): Promise<Channel[]> {
    const woken = new Map<string, Channel>();
    for (;;) {
      const [moved, ...channels] = await this.run<Reply[]>(REDRIVE_DEAD, [now, ns, kind, name, BULK_BATCH]);
      for (const c of toChannels(channels)) woken.set(`${c.kind}\0${c.name}\0${c.client}`, c);
      if (Number(moved) < BULK_BATCH) return [...woken.values()];
    }
  }

  /** In runs of BULK_BATCH, each atomic (see redrive); a publish meanwhile may land after the purge. */
  async purge(channel: Channel): Promise<number> {
    let purged = 0;
    for (;;) {
      const n = Number(await this.run<number>(PURGE_READY, [channel.ns, channel.kind, channel.name, channel.client, BULK_BATCH]));
      purged += n;
      if (n < BULK_BATCH) return purged;
    }
  }

  async stats(ns: string, kind: Channel['kind'], name: string): Promise<ChannelStats | null> {
    const out = await this.run<Reply[] | null>(READ_STATS, [ns, kind, name]);
    if (!out) return null;
    const [ready, inFlight, delayed, deadLettered, published, acked, redelivered] = out.map(Number);
    const oldest = out[7];
    return {
      name,
      ready,
      inFlight,
      delayed,
      deadLettered,
      published,
      acked,
      redelivered,
      oldestReadyAt: oldest === '' || oldest === null ? null : Number(oldest),
    };
  }

  async list(ns: string, kind: Channel['kind']): Promise<string[]> {
    return (await this.guard(() => this.redis.smembers(this.registryKey(ns, kind)))).sort();
  }

  async deadLetters(ns: string, kind: Channel['kind'], name: string, limit: number): Promise<DeadLetter[]> {
    const out = await this.run<Reply[]>(READ_DEAD_LETTERS, [ns, kind, name, limit]);
    const rows: (DeadLetter & { seq: number })[] = [];
    for (let i = 0; i < out.length; i += 7) {
      rows.push({
        id: String(out[i]),
        client: String(out[i + 1]),
        payload: String(out[i + 2]),
        attempts: Number(out[i + 3]),
        reason: String(out[i + 4]) as DeadLetterReason,
        deadLetteredAt: Number(out[i + 5]),
        seq: Number(out[i + 6]),
      });
    }
    rows.sort((a, b) => a.deadLetteredAt - b.deadLetteredAt || a.seq - b.seq);
    return rows.slice(0, limit).map(({ seq: _seq, ...dead }) => dead);
  }

  async join(ns: string, room: string, client: string, _now: number): Promise<void> {
    await this.guard(() =>
      this.redis.multi().sadd(this.registryKey(ns, 'room'), room).sadd(this.membersKey(ns, room), client).sadd(this.membershipsKey(ns, client), room).exec(),
    );
  }

  async leave(ns: string, room: string, client: string): Promise<void> {
    await this.guard(() => this.redis.multi().srem(this.membersKey(ns, room), client).srem(this.membershipsKey(ns, client), room).exec());
  }

  async memberships(ns: string, client: string): Promise<string[]> {
    return (await this.guard(() => this.redis.smembers(this.membershipsKey(ns, client)))).sort();
  }

  async memberCount(ns: string, room: string): Promise<number> {
    return this.guard(() => this.redis.scard(this.membersKey(ns, room)));
  }

  private async beat(): Promise<void> {
    await this.redis.set(this.nodeKey(), String(Date.now()), 'PX', HEARTBEAT_TTL_MS);
  }

  private run<T>(script: RedisScript, args: readonly (string | number)[], client = this.redis): Promise<T> {
    const command = (client as unknown as Record<string, (...a: unknown[]) => Promise<T>>)[script.name];
    return this.guard(() => command.call(client, this.prefix, ...args));
  }

  /**
   * Redis unreachable (refused, dropped, timed out) becomes UNAVAILABLE, which edges answer 503 / INTERNAL;
   * an error Redis itself replied (a script bug) stays as it is.
   */
  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      throw new CourierError(ErrorCode.UNAVAILABLE, `store unavailable: ${(error as Error).message}`);
    }
  }

  // Key names built in Node mirror those of scripts/prelude.ts (same `enc`).
  private registryKey(ns: string, kind: Channel['kind']): string {
    return `${this.prefix}ch:${enc(ns)}:${kind}`;
  }

  private membersKey(ns: string, room: string): string {
    return `${this.prefix}mem:${enc(ns)}:${enc(room)}`;
  }

  private membershipsKey(ns: string, client: string): string {
    return `${this.prefix}memof:${enc(ns)}:${enc(client)}`;
  }

  private nodeKey(): string {
    return `${this.prefix}node:${this.instance}`;
  }
}

/** The Lua `enc` of scripts/prelude.ts: every byte outside [A-Za-z0-9._-] as %XX. */
export function enc(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function refArgs(refs: readonly MessageRef[]): string[] {
  return refs.flatMap((r) => [r.id, r.client]);
}

function toDeliveries(channel: Channel, flat: readonly Reply[]): Delivery[] {
  const out: Delivery[] = [];
  for (let i = 0; i < flat.length; i += 5) {
    out.push({
      id: String(flat[i]),
      channel,
      payload: String(flat[i + 1]),
      headers: decodeHeaders(flat[i + 2]),
      attempt: Number(flat[i + 3]),
      publishedAt: Number(flat[i + 4]),
    });
  }
  return out;
}

function toChannels(flat: readonly Reply[]): Channel[] {
  const out: Channel[] = [];
  for (let i = 0; i < flat.length; i += 4) {
    out.push({ ns: String(flat[i]), kind: String(flat[i + 1]) as Channel['kind'], name: String(flat[i + 2]), client: String(flat[i + 3]) });
  }
  return out;
}
