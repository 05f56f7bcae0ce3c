import type { DeadLetterReason } from './message-state.js';
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
} from './stored-message.js';

/** Injection token of the active adapter (memory, sqlite or redis: see StoreModule). */
export const MESSAGE_STORE = Symbol('MESSAGE_STORE');

/** A `key` returns the first id for this long (contract §3, publishing options). */
export const DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Everything the engine needs from storage, one method per state transition (see message-state.ts).
 * Every method is atomic: it changes all it names or nothing (a transaction in SQLite, a Lua script in
 * Redis), and resolves only once the change is durable for the adapter. Times are absolute epoch ms and
 * always passed in, so adapters never read a clock.
 *
 * Queue semantics (who may ack, when to redeliver, attempts) live once in QueueService and RoomService;
 * the adapters only keep records and answer these questions.
 *
 * @example
 *   const [r] = await store.enqueue(queue('events', 'jobs'), [msg], now);
 *   const { deliveries } = await store.claimNext(queue('events', 'jobs'), 'node1/sock1', 10, now, now + 30_000);
 *   await store.ack('events', deliveries.map(refOf), 'node1/sock1', now);
 */
export interface MessageStore {
  /**
   * True when several nodes use this store at once (Redis): a delivery may be held by another node, and at
   * start-up in-flight messages are not this node's to recover. False for a store only this process opens.
   */
  readonly shared: boolean;

  /** Creates what is missing (schema, files); safe to call on existing data. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Throws when the store cannot be used (health check). */
  ping(): Promise<void>;

  /** Registers a queue or room so it is listed and has stats; idempotent. */
  declare(ns: string, kind: Channel['kind'], name: string, now: number): Promise<void>;

  /** Appends a batch to one queue: all stored or none. A known `key` returns its first id as a duplicate. */
  enqueue(channel: Channel, messages: readonly NewMessage[], now: number): Promise<PublishResult[]>;

  /** Stores one copy of a room message per durable member of the room, atomically with the member list. */
  fanOut(ns: string, room: string, message: NewMessage, now: number): Promise<FanOutResult>;

  /**
   * Moves up to `max` ready messages of a channel (priority desc, then publish order) to in-flight for
   * `holder`, counting one attempt each. Messages past their TTL met on the way are dead-lettered.
   */
  claimNext(channel: Channel, holder: string, max: number, now: number, ackDeadline: number): Promise<ClaimResult>;

  /**
   * Delivers again what `holder` already holds in this channel (getAll): one more attempt each and a new
   * deadline; those already delivered `maxAttempts` times are dead-lettered instead. `ids` limits it to
   * those messages (null: everything held), so what is not sent again is not charged an attempt.
   */
  redeliverHeld(channel: Channel, holder: string, now: number, ackDeadline: number, maxAttempts: number, ids: readonly string[] | null): Promise<Delivery[]>;

  /** Ready messages of a channel without claiming them (mailbox copies sent to anonymous sockets). */
  peekReady(channel: Channel, max: number, now: number): Promise<Delivery[]>;

  /**
   * Settles in-flight messages held by `holder`. `holder` null settles room copies whatever their state
   * (the caller has checked that the socket holds them). Returns the refs that were settled.
   */
  ack(ns: string, refs: readonly MessageRef[], holder: string | null, now: number): Promise<MessageRef[]>;

  /** In-flight back to ready (or delayed, or dead-lettered at `maxAttempts`). Returns the refs released. */
  release(ns: string, refs: readonly MessageRef[], holder: string, options: ReleaseOptions): Promise<MessageRef[]>;

  /** Releases everything a holder has in flight (its consumer went away). Returns the channels woken. */
  releaseHolder(holder: string, options: ReleaseOptions): Promise<Channel[]>;

  /**
   * Straight to dead-lettered with `reason`: in-flight messages held by `holder` (nack with requeue:false),
   * or with `holder` null whatever their state short of dead (an unreadable record found by a peek).
   */
  deadLetter(ns: string, refs: readonly MessageRef[], holder: string | null, now: number, reason: DeadLetterReason): Promise<MessageRef[]>;

  /**
   * Time-driven transitions: due delays become ready, missed ack deadlines are released (dead-lettered at
   * `maxAttempts`), TTLs expire, old dedup keys go. `recoverAll` also releases every in-flight message
   * (start-up of a single-node store: nobody holds anything any more). An adapter may stop after a
   * bounded batch and answer `nextDueAt: now`; callers sweep again until it is in the future.
   */
  sweep(now: number, maxAttempts: number, recoverAll: boolean): Promise<SweepResult>;

  /**
   * Dead-lettered messages of a queue (or every copy of a room) back to ready at attempt 1, without their
   * TTL (as RabbitMQ drops `expiration` from dead-lettered messages), so a redriven message gets delivered.
   */
  redrive(ns: string, kind: Channel['kind'], name: string, now: number): Promise<Channel[]>;

  /** Removes the ready messages of a queue; returns how many. */
  purge(channel: Channel): Promise<number>;

  stats(ns: string, kind: Channel['kind'], name: string): Promise<ChannelStats | null>;
  list(ns: string, kind: Channel['kind']): Promise<string[]>;
  deadLetters(ns: string, kind: Channel['kind'], name: string, limit: number): Promise<DeadLetter[]>;

  /**
   * Calls `listener` each time the store finds that it lost its data while this node ran (a Redis that
   * restarted without persistence, or was flushed): the listener declares again what this node still holds.
   * `ping` fails until every listener has resolved. Stores that cannot lose data this way never call it.
   */
  onReset(listener: () => Promise<void>): void;

  /** Durable room membership by client id. */
  join(ns: string, room: string, client: string, now: number): Promise<void>;
  leave(ns: string, room: string, client: string): Promise<void>;
  memberships(ns: string, client: string): Promise<string[]>;
  memberCount(ns: string, room: string): Promise<number>;
}
