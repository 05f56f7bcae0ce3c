import { Delivery } from '../store/stored-message.js';

/**
 * Something that receives pushed messages: a socket, or every socket of a durable client, seen from the
 * domain. `id` is the holder name the store records for what it holds, unique in the cluster.
 */
export interface Consumer {
  readonly id: string;
  deliver(deliveries: readonly Delivery[]): void;
}

/** The holder name of one socket's queue deliveries: `<node>/<socket id>`. */
export function socketConsumerId(nodeId: string, socketId: string): string {
  return `${nodeId}/${socketId}`;
}

/** The holder name of a durable client's room copies on this node: `<node>/<namespace>/client:<client id>`. */
export function clientConsumerId(nodeId: string, ns: string, clientId: string): string {
  return `${nodeId}/${ns}/client:${clientId}`;
}
