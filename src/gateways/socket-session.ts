import { Consumer } from '../delivery/consumer.js';
import { SessionRef } from '../sessions/session-ref.js';
import { Delivery } from '../store/stored-message.js';
import { CourierSocket } from './socket-events.js';

/** Delivered ids remembered per socket for CAPS store resolution; the oldest are forgotten first. */
const REMEMBERED_STORES = 1000;

/**
 * What the gateway keeps for one connected socket: its consumer (unique in the cluster: node id + socket
 * id), its client id, and — in caps — which store each recent delivery belonged to. It is the socket's
 * SessionRef for the domain.
 */
export class SocketSession implements SessionRef {
  readonly consumer: Consumer;
  /** Settles once RoomService knows the socket (its durable memberships resumed). */
  ready: Promise<void> = Promise.resolve();
  private readonly stores = new Map<string, string>();

  constructor(
    readonly ns: string,
    readonly socket: CourierSocket,
    readonly clientId: string | null,
    consumerId: string,
    deliver: (deliveries: readonly Delivery[]) => void,
  ) {
    this.consumer = { id: consumerId, deliver };
  }

  get socketId(): string {
    return this.socket.id;
  }

  get consumerId(): string {
    return this.consumer.id;
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
