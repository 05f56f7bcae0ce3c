import { ConnectedSocket, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Delivery } from '../store/stored-message.js';
import { Outgoing, toCapsOutgoing } from './caps-envelope.js';
import { readCapsOrder } from './caps-order.js';
import { CapsJoinDto } from './dto/caps-join.dto.js';
import { GetAllDto } from './dto/get-all.dto.js';
import { NamespaceGateway } from './namespace.gateway.js';
import { RedeliverFilter } from '../sessions/session.service.js';
import { CapsEvent, PICKUP_QUEUE } from './socket-events.js';
import type { CourierSocket } from './socket-events.js';
import { SocketSession } from './socket-session.js';
import { WsPayload } from './ws-payload.decorator.js';
import { ok, WsReply } from './ws-reply.js';

/**
 * `/caps`: the parcel-delivery workflow (contract §3, caps) on top of the shared protocol, speaking the
 * original lab's language: deliveries under the CAPS event's name, orders in the lab's shapes, a store's
 * room as its mailbox, `getAll { event: 'pickup' }` for drivers that never subscribe, forwarding as acking.
 */
@WebSocketGateway({ namespace: 'caps' })
export class CapsGateway extends NamespaceGateway {
  protected readonly ns = 'caps';
  /** A store's room is its mailbox, even for a lab vendor that connects without a client id. */
  protected readonly anonymousJoin = 'mailbox';

  /** A vendor's order: queued on `pickup`, so exactly one driver gets it. */
  @SubscribeMessage('pickup')
  async pickup(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: unknown): Promise<WsReply<{ id: string }>> {
    const session = this.session(socket);
    const { order, store } = readCapsOrder(body, (id) => session.storeOf(id));
    // The store travels in the headers: a lab order may not name it (the lab puts it in `clientId`).
    const { id } = await this.queues.publish(this.ns, PICKUP_QUEUE, { payload: order, headers: { event: 'pickup', store } });
    return ok({ id });
  }

  @SubscribeMessage('in-transit')
  inTransit(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: unknown): Promise<WsReply<{ id: string; recipients: number }>> {
    return this.forward(socket, 'in-transit', body);
  }

  @SubscribeMessage('delivered')
  delivered(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: unknown): Promise<WsReply<{ id: string; recipients: number }>> {
    return this.forward(socket, 'delivered', body);
  }

  @SubscribeMessage('join')
  override join(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: CapsJoinDto): Promise<WsReply<{ room: string }>> {
    return this.enter(socket, body.roomName());
  }

  /** Lab drivers never subscribe: asking for pending pickups makes them consumers of the queue. */
  @SubscribeMessage('getAll')
  override async getAll(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: GetAllDto): Promise<WsReply<{ count: number }>> {
    const { consumer } = this.session(socket);
    if (body.event === PICKUP_QUEUE && !this.queues.isSubscribed(this.ns, PICKUP_QUEUE, consumer.id)) {
      await this.queues.subscribe(this.ns, PICKUP_QUEUE, consumer);
    }
    return super.getAll(socket, body);
  }

  /** `getAll { event: 'pickup' }` also sends again the pickups this driver holds. */
  protected override redeliverFilter(event: string | undefined): RedeliverFilter {
    const filter = super.redeliverFilter(event);
    return event === PICKUP_QUEUE ? { ...filter, queues: [PICKUP_QUEUE] } : filter;
  }

  protected override present(d: Delivery, recipient: string | null): Outgoing {
    return toCapsOutgoing(d, recipient);
  }

  /** Remembers each delivery's store, so a driver echoing it back needs no store field. */
  protected override onSent(session: SocketSession, d: Delivery, out: Outgoing): void {
    if (out.event === 'message') return;
    const store = d.channel.kind === 'room' ? d.channel.name : (d.headers.store ?? storeOfOrder(out.body.payload));
    if (store !== undefined) session.rememberStore(d.id, store);
  }

  /** `in-transit` / `delivered`: published to the store's room; echoing a delivery this socket holds acks it. */
  private async forward(socket: CourierSocket, event: CapsEvent, body: unknown): Promise<WsReply<{ id: string; recipients: number }>> {
    const session = this.session(socket);
    await session.ready;
    const { order, store, deliveryId } = readCapsOrder(body, (id) => session.storeOf(id));
    const { id, recipients } = await this.rooms.publish(this.ns, store, { payload: order, headers: { event } });
    if (deliveryId !== null) await this.sessions.ack(session, [deliveryId]);
    return ok({ id, recipients });
  }
}

function storeOfOrder(order: unknown): string | undefined {
  try {
    return readCapsOrder(order, () => undefined).store;
  } catch {
    return undefined;
  }
}
