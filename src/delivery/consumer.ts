import { Delivery } from '../store/stored-message.js';

/**
 * Something that receives pushed messages: a socket, seen from the domain. `id` is the holder name the
 * store records for what it holds, unique in the cluster (node id + socket id).
 */
export interface Consumer {
  readonly id: string;
  deliver(deliveries: readonly Delivery[]): void;
}
