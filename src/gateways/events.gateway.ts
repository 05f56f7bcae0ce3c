import { WebSocketGateway } from '@nestjs/websockets';
import { NamespaceGateway } from './namespace.gateway.js';

/** `/events`: the general-purpose namespace; the shared protocol and nothing else. */
@WebSocketGateway({ namespace: 'events' })
export class EventsGateway extends NamespaceGateway {
  protected readonly ns = 'events';
  /** Anonymous sockets get room messages only while connected. */
  protected readonly anonymousJoin = 'live';
}
