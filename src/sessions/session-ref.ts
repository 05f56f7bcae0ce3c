/** One connected socket as the domain knows it: where it is, the holder name of its queue deliveries, its client id. */
export interface SessionRef {
  readonly ns: string;
  readonly socketId: string;
  /** Holder of what the socket takes from queues (unique in the cluster). */
  readonly consumerId: string;
  /** Durable identity; null for an anonymous socket. */
  readonly clientId: string | null;
}
