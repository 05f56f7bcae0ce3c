import { Socket } from 'socket.io';
import { Consumer } from '../delivery/consumer.js';
import { Delivery } from '../store/stored-message.js';

/** Delivered ids remembered per socket for CAPS store resolution; the oldest are forgotten first. */
const REMEMBERED_STORES = 1000;

/**
 * What the gateway keeps for one connected socket: its consumer (unique in the cluster: node id + socket
 * id), its client id, and — in caps — which store each recent delivery belonged to.
 */
export class SocketSession {
  readonly consumer: Consumer;
  /** Settles once RoomService knows the socket (its durable memberships resumed). */
  ready: Promise<void> = Promise.resolve();
  private readonly stores = new Map<string, string>();

  constructor(
    readonly socket: Socket,
    readonly clientId: string | null,
    consumerId: string,
    deliver: (deliveries: readonly Delivery[]) => void,
  ) {
    this.consumer = { id: consumerId, deliver };
  }

  rememberStore(deliveryId: string, store: string): void {
    this.stores.delete(deliveryId);
    this.stores.set(deliveryId, store);
    if (this.stores.size > REMEMBERED_STORES) this.stores.delete(this.stores.keys().next().value as string);
  }

  storeOf(deliveryId: string): string | undefined {
    return this.stores.get(deliveryId);
  }
}
