import type { Fate } from './payload.js';

/**
 * The recorded history of one run: every operation with its wall-clock invoke and answer times, every
 * delivery a consumer saw, every fault, and what the server listed at the end. The checker reads only
 * this, so a history can be saved, replayed through the checker, or written by hand in a unit test.
 *
 * Times are `Date.now()` of the driver, the same clock as the server's `publishedAt` (one machine).
 */

/**
 * - `ok`: answered with success (REST 201 / `{ ok: true }`);
 * - `fail`: answered with an error (`error` holds the code or the HTTP status);
 * - `none`: sent, never answered (the connection dropped, or no answer within the timeout);
 * - `refused`: never reached a server (connection refused), so it cannot have stored anything.
 */
export type Outcome = 'ok' | 'fail' | 'none' | 'refused';

/** Why an operation has no answer: its connection dropped, or it waited out the driver's timeout. */
export type NoAnswer = 'disconnected' | 'timeout';

/** One start of one node: `n<node>.<start>`, ended by a fault or by the end of the run. */
export interface Incarnation {
  id: string;
  node: number;
  startedAt: number;
  endedAt?: number;
  end?: 'SIGKILL' | 'SIGTERM' | 'end-of-run';
}

interface Operation {
  /** Position in the history (invoke order). */
  seq: number;
  actor: string;
  /** The node incarnation the operation was sent to. */
  incarnation: string;
  invokedAt: number;
  answeredAt?: number;
  outcome: Outcome;
  /** Error code (socket) or HTTP status (REST) of a `fail`. */
  error?: string;
  noAnswer?: NoAnswer;
}

/** A message as the driver asked for it; one op id per message, unique in the run. */
export interface MessageSpec {
  op: string;
  /** The queue, or the room when `members` is set. */
  channel: string;
  /** A room message: the durable members (client ids) that must each get a copy. */
  members?: string[];
  fate: Fate;
  key?: string;
  ttlMs?: number;
  delayMs?: number;
  priority?: number;
}

export type PublishVia = 'rest' | 'rest-batch' | 'socket' | 'socket-batch';

export interface PublishOp extends Operation {
  type: 'publish';
  via: PublishVia;
  /** `first` try, `retry` of an unanswered keyed publish, or `republish` of a confirmed key (must dedup). */
  purpose: 'first' | 'retry' | 'republish';
  messages: MessageSpec[];
  /** The answer's id (single) or ids (batch), in message order. */
  ids?: string[];
  duplicate?: boolean;
  /** A room publish's answer: how many got it. */
  recipients?: number;
}

export interface AckOp extends Operation {
  type: 'ack';
  socket: string;
  mode: 'single' | 'batch';
  ids: string[];
  /** The `acked` count of a batch answer. */
  acked?: number;
  /** Set when sent on purpose after the ack timeout of this delivery (it must answer NOT_FOUND). */
  late?: { deliveredAt: number; attempt: number };
}

export interface NackOp extends Operation {
  type: 'nack';
  socket: string;
  id: string;
  requeue: boolean;
}

export interface DeliveryEvent {
  type: 'deliver';
  seq: number;
  actor: string;
  socket: string;
  incarnation: string;
  at: number;
  /** The message id; for a room copy, `copyId(id, clientId)`. */
  id: string;
  /** The queue or the room it came from. */
  channel: string;
  attempt: number;
  payload: unknown;
  headers: Record<string, string>;
  publishedAt: number;
}

/** Connections of consumers and producers, for context in a message's history. */
export interface SocketEvent {
  type: 'socket';
  seq: number;
  actor: string;
  socket: string;
  incarnation: string;
  at: number;
  what: 'connect' | 'subscribe' | 'disconnect';
  detail?: string;
}

export interface FaultEvent {
  type: 'fault';
  seq: number;
  node: number;
  incarnation: string;
  signal: 'SIGKILL' | 'SIGTERM';
  at: number;
  exitedAt: number;
  exitCode: number | null;
  restartedAt?: number;
}

export type HistoryEvent = PublishOp | AckOp | NackOp | DeliveryEvent | SocketEvent | FaultEvent;

/** One entry of `GET …/queues/:q/dead-letters` (or of a room's list: then `id` is the copy's id), with its time in ms. */
export interface DeadLetterEntry {
  channel: string;
  id: string;
  payload: unknown;
  attempts: number;
  reason: string;
  deadLetteredAt: number;
}

export interface History {
  seed: number;
  store: 'sqlite' | 'redis';
  nodes: number;
  /** `driverLagMs`: the longest the driver's event loop stalled, which delays when it sees events. */
  config: { ackTimeoutMs: number; maxAttempts: number; answerTimeoutMs: number; driverLagMs?: number };
  startedAt: number;
  endedAt: number;
  events: HistoryEvent[];
  incarnations: Incarnation[];
  /** The queues and rooms of the run. */
  channels: string[];
  deadLetters: DeadLetterEntry[];
  /** Queues whose dead-letter list came back full (1000): entries past it could not be read. */
  truncatedDeadLetters: string[];
  drain: { drained: boolean; detail: string };
}

/**
 * A room message has one id and one copy per durable member; the history names each copy by
 * `<id>@<clientId>` (ids are opaque, but the server's never hold an `@`: client ids cannot either).
 */
export function copyId(id: string, clientId: string): string {
  return `${id}@${clientId}`;
}

/** The message id of a queue message id or of a copy id. */
export function baseId(id: string): string {
  const at = id.indexOf('@');
  return at < 0 ? id : id.slice(0, at);
}
