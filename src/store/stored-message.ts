import { DeadLetterReason } from './message-state.js';

/**
 * Where stored messages wait. A queue is `{ kind: 'queue', client: '' }`; a durable room member's copies
 * are `{ kind: 'room', name: room, client: clientId }`, so every delivery rule is written once.
 */
export interface Channel {
  readonly ns: string;
  readonly kind: 'queue' | 'room';
  readonly name: string;
  readonly client: string;
}

/** A message as the engine hands it to the store: payload and headers are encoded once, here. */
export interface NewMessage {
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly delayMs: number;
  /** 0 = never expires. */
  readonly ttlMs: number;
  /** Dedup key; '' = none. */
  readonly key: string;
}

export interface PublishResult {
  readonly id: string;
  readonly duplicate: boolean;
}

export interface FanOutResult extends PublishResult {
  /** The durable members that got a copy (empty for a duplicate). */
  readonly clients: string[];
}

/** One message handed out by `claimNext`: its `attempt` already counts this delivery. */
export interface Delivery {
  readonly id: string;
  readonly channel: Channel;
  readonly payload: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly attempt: number;
  readonly publishedAt: number;
  /** The decoded payload, set by the engine once it checked the record is readable (parsed once per delivery). */
  value?: unknown;
}

export interface ClaimResult {
  readonly deliveries: Delivery[];
  /** Messages found past their TTL on the way and dead-lettered as `expired`. */
  readonly expired: number;
}

/** A stored copy: room copies share the publish id, so the client tells them apart. */
export interface MessageRef {
  readonly id: string;
  readonly client: string;
}

export interface ReleaseOptions {
  readonly now: number;
  /** When the message may be delivered again (now, or later for `nack { delayMs }`). */
  readonly availableAt: number;
  /** A message already delivered this many times is dead-lettered (`max-attempts`) instead. */
  readonly maxAttempts: number;
}

export interface ChannelStats {
  readonly name: string;
  readonly ready: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLettered: number;
  readonly published: number;
  readonly acked: number;
  readonly redelivered: number;
  /** publishedAt of the oldest ready message, or null when none is ready. */
  readonly oldestReadyAt: number | null;
}

export interface DeadLetter {
  readonly id: string;
  readonly client: string;
  readonly payload: string;
  readonly attempts: number;
  readonly reason: DeadLetterReason;
  readonly deadLetteredAt: number;
}

/** What one sweep changed, so the engine knows which channels to dispatch again. */
export interface SweepResult {
  /** Channels that gained ready messages (delays due, ack timeouts). */
  readonly woken: Channel[];
  readonly timedOut: number;
  readonly expired: number;
  /** Earliest future time something becomes due, or null. */
  readonly nextDueAt: number | null;
}
