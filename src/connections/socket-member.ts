import { Delivery } from '../store/stored-message.js';

/** A connected socket as the room service sees it. */
export interface SocketMember {
  readonly id: string;
  readonly ns: string;
  /** Durable identity from the handshake; null for an anonymous socket. */
  readonly clientId: string | null;
  /** Sends to this one socket. */
  send(deliveries: readonly Delivery[]): void;
  /** Sends to every connected socket of this socket's client id, in the whole cluster. */
  sendToClient(deliveries: readonly Delivery[]): void;
}

/**
 * How an anonymous socket's `join` behaves: `live` — messages only while connected (best effort);
 * `mailbox` — the room is a durable member under its own name and the socket reads its copies (caps).
 */
export type AnonymousJoin = 'live' | 'mailbox';
