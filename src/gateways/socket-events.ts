import type { Namespace, Socket } from 'socket.io';

/** The queue a `pickup` goes to, and the CAPS events delivered under their own name (contract §3, caps). */
export const PICKUP_QUEUE = 'pickup';
export const CAPS_EVENTS = ['pickup', 'in-transit', 'delivered'] as const;
export type CapsEvent = (typeof CAPS_EVENTS)[number];

export function isCapsEvent(value: unknown): value is CapsEvent {
  return (CAPS_EVENTS as readonly unknown[]).includes(value);
}

/** Socket.IO room every socket of one client id joins, so `sendToClient` reaches all of them. */
export function clientRoom(clientId: string): string {
  return `client:${clientId}`;
}

/** Server → client `message` (contract §3): one delivery of a queue message or a room copy. */
export interface MessageEnvelope {
  id: string;
  queue?: string;
  room?: string;
  payload: unknown;
  headers: Readonly<Record<string, string>>;
  attempt: number;
  /** ISO-8601. */
  publishedAt: string;
}

/** A CAPS delivery: the envelope plus the lab's fields and the order's own fields at the top level. */
export interface CapsEnvelope extends MessageEnvelope {
  messageId: string;
  messageID: string;
  event: CapsEvent;
  clientId?: string;
  order: unknown;
  [orderField: string]: unknown;
}

/** Server → client `alarm` / `alarm-cleared` (sent to the room `$alarms` by the depth monitor). */
export interface AlarmEvent {
  queue: string;
  ready: number;
  threshold: number;
}

/** What the server emits, by event name. */
export interface ServerToClientEvents {
  message: (envelope: MessageEnvelope) => void;
  pickup: (envelope: CapsEnvelope) => void;
  'in-transit': (envelope: CapsEnvelope) => void;
  delivered: (envelope: CapsEnvelope) => void;
  alarm: (event: AlarmEvent) => void;
  'alarm-cleared': (event: AlarmEvent) => void;
}

/** Per-socket data other nodes may read (fetchSockets): keep it small and serialisable. */
export interface SocketData {
  /** The durable identity from the handshake (or a verified token); null for an anonymous socket. */
  clientId: string | null;
}

/** What a client may emit: every event takes one payload and an optional acknowledgement callback. */
export type ClientToServerEvents = Record<string, (payload?: unknown, ack?: (reply: unknown) => void) => void>;

/** The typed Socket.IO namespace and socket the gateways work with. */
export type CourierNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type CourierSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
