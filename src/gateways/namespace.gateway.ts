import { Logger, UseFilters, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketServer,
} from '@nestjs/websockets';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import { ErrorCode } from '../common/error-code.js';
import { DepthMonitor } from '../alarms/depth-monitor.js';
import { AuthService } from '../auth/auth.service.js';
import { socketAuth } from '../auth/socket-auth.middleware.js';
import { ALARMS_ROOM } from '../common/names.js';
import { NodeId } from '../common/node-id.js';
import { RateLimiter } from '../common/rate-limiter.js';
import { CourierConfig } from '../config/courier-config.js';
import { socketConsumerId } from '../delivery/consumer.js';
import { DEFAULT_PREFETCH, QueueService } from '../queue/queue.service.js';
import { RoomService } from '../rooms/room.service.js';
import { AnonymousJoin, SocketMember } from '../connections/socket-member.js';
import { RedeliverFilter, SessionService } from '../sessions/session.service.js';
import { Delivery } from '../store/stored-message.js';
import { Outgoing } from './caps-envelope.js';
import { AckDto } from './dto/ack.dto.js';
import { GetAllDto } from './dto/get-all.dto.js';
import { JoinDto } from './dto/join.dto.js';
import { NackDto } from './dto/nack.dto.js';
import { PublishBatchDto } from './dto/publish-batch.dto.js';
import { PublishDto, toPublishInput } from './dto/publish.dto.js';
import { SubscribeDto } from './dto/subscribe.dto.js';
import { UnsubscribeDto } from './dto/unsubscribe.dto.js';
import { checkInbound } from './inbound-event.js';
import { toMessageEnvelope } from './message-envelope.js';
import { clientRoom } from './socket-events.js';
import type { CourierNamespace, CourierSocket } from './socket-events.js';
import { SocketSession } from './socket-session.js';
import { WsExceptionFilter } from './ws-exception.filter.js';
import { fail, ok, WsReply } from './ws-reply.js';
import { WsPayload } from './ws-payload.decorator.js';
import { WsValidationPipe } from './ws-validation.pipe.js';

/**
 * The Socket.IO protocol every namespace speaks (contract §3). A namespace is a subclass with
 * `@WebSocketGateway({ namespace })`; Nest finds the `@SubscribeMessage` handlers below through the
 * prototype chain. A subclass that overrides a handler must decorate it again, or the event is lost.
 *
 * Handlers stay thin: the DTO is validated by WsValidationPipe, the work is one QueueService,
 * RoomService or SessionService call (the last decides whether an acked id is a queue delivery or a room
 * copy), and every error becomes `{ ok: false, error }` in WsExceptionFilter. The handshake is
 * auth/socket-auth.middleware.ts.
 *
 * @example
 *   @WebSocketGateway({ namespace: 'billing' })
 *   export class BillingGateway extends NamespaceGateway {
 *     protected readonly ns = 'billing';
 *     protected readonly anonymousJoin = 'live';
 *   }
 */
@UsePipes(new WsValidationPipe())
@UseFilters(new WsExceptionFilter())
export abstract class NamespaceGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer()
  protected server: CourierNamespace;

  /** The namespace's name, without the slash. */
  protected abstract readonly ns: string;
  /** How a socket without a client id joins a room here (see RoomService.join). */
  protected abstract readonly anonymousJoin: AnonymousJoin;

  protected readonly logger = new Logger(this.constructor.name);
  private readonly sessionsBySocket = new Map<string, SocketSession>();
  private knownEvents: ReadonlySet<string> = new Set();
  /** RATE_LIMIT_SOCKET events per second per socket; a flooding socket is answered RATE_LIMITED, others unaffected. */
  private readonly rateLimit: RateLimiter;

  constructor(
    protected readonly queues: QueueService,
    protected readonly rooms: RoomService,
    protected readonly sessions: SessionService,
    private readonly nodeId: NodeId,
    private readonly config: CourierConfig,
    private readonly auth: AuthService,
    private readonly depth: DepthMonitor,
  ) {
    this.rateLimit = new RateLimiter(config.rateLimitSocket);
  }

  /** Runs before any socket connects: handshake checks, and depth alarms to the `$alarms` room. */
  afterInit(server: CourierNamespace): void {
    this.knownEvents = subscribedEvents(this);
    server.use(socketAuth(this.auth, this.ns));
    this.depth.onAlarm((ns, event, alarm) => {
      // `local`: every node runs its own DepthMonitor over the shared counts, so each tells its own sockets
      // (with the Redis adapter a plain broadcast would reach every $alarms socket once per node).
      if (ns === this.ns) this.server.local.to(ALARMS_ROOM).emit(event, alarm);
    });
  }

  handleConnection(socket: CourierSocket): void {
    const clientId = socket.data.clientId ?? null;
    const session: SocketSession = new SocketSession(this.ns, socket, clientId, socketConsumerId(this.nodeId.value, socket.id), (d) =>
      this.sendTo(session, d),
    );
    this.sessionsBySocket.set(socket.id, session);
    socket.use((packet, next) => this.screen(socket.id, packet, next));
    socket.onAny((event: string, ...args: unknown[]) => this.answerUnknown(event, args));
    if (clientId !== null) void socket.join(clientRoom(clientId));
    const member: SocketMember = {
      id: socket.id,
      ns: this.ns,
      clientId,
      send: (deliveries) => this.sendTo(session, deliveries),
      sendToClient: (deliveries) => this.sendToClient(clientId!, deliveries),
    };
    session.ready = this.rooms.connect(member).catch((error: Error) => this.logger.error(`connect ${socket.id}: ${error.message}`));
  }

  async handleDisconnect(socket: CourierSocket): Promise<void> {
    const session = this.sessionsBySocket.get(socket.id);
    if (!session) return;
    this.sessionsBySocket.delete(socket.id);
    this.rateLimit.forget(socket.id);
    await session.ready;
    await this.sessions.disconnect(session);
  }

  @SubscribeMessage('join')
  join(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: JoinDto): Promise<WsReply<{ room: string }>> {
    return this.enter(socket, body.roomName());
  }

  @SubscribeMessage('joinRoom')
  joinRoom(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: JoinDto): Promise<WsReply<{ room: string }>> {
    return this.enter(socket, body.roomName());
  }

  @SubscribeMessage('leave')
  async leave(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: JoinDto): Promise<WsReply<{ room: string }>> {
    await this.ready(socket);
    if (body.room === ALARMS_ROOM) await socket.leave(ALARMS_ROOM);
    else await this.rooms.leave(this.ns, socket.id, body.room);
    return ok({ room: body.room });
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: SubscribeDto): Promise<WsReply<{ queue: string }>> {
    await this.queues.subscribe(this.ns, body.queue, this.session(socket).consumer, body.prefetch ?? DEFAULT_PREFETCH);
    return ok({ queue: body.queue });
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: UnsubscribeDto): Promise<WsReply<{ queue: string }>> {
    await this.queues.unsubscribe(this.ns, body.queue, this.session(socket).consumerId);
    return ok({ queue: body.queue });
  }

  @SubscribeMessage('publish')
  async publish(@WsPayload() body: PublishDto): Promise<WsReply<{ id: string; duplicate?: true; recipients?: number }>> {
    const target = body.target();
    if (target.kind === 'queue') return ok(published(await this.queues.publish(this.ns, target.name, toPublishInput(body))));
    const { recipients, ...result } = await this.rooms.publish(this.ns, target.name, toPublishInput(body));
    return ok({ ...published(result), recipients });
  }

  @SubscribeMessage('publishBatch')
  async publishBatch(@WsPayload() body: PublishBatchDto): Promise<WsReply<{ ids: string[] }>> {
    const results = await this.queues.publishBatch(this.ns, body.queue, body.messages.map(toPublishInput));
    return ok({ ids: results.map((r) => r.id) });
  }

  @SubscribeMessage('ack')
  async ack(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: AckDto): Promise<WsReply<{ acked?: number }>> {
    const session = await this.ready(socket);
    const id = body.singleId();
    if (id === null) return ok({ acked: await this.sessions.ack(session, body.ids!) });
    await this.sessions.ackOne(session, id);
    return ok();
  }

  /** The original lab's name for `ack`. */
  @SubscribeMessage('received')
  received(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: AckDto): Promise<WsReply<{ acked?: number }>> {
    return this.ack(socket, body);
  }

  @SubscribeMessage('nack')
  async nack(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: NackDto): Promise<WsReply> {
    const requeue = body.requeue ?? true;
    await this.sessions.nack(await this.ready(socket), body.id, requeue, requeue ? (body.delayMs ?? 0) : 0);
    return ok();
  }

  @SubscribeMessage('getAll')
  async getAll(@ConnectedSocket() socket: CourierSocket, @WsPayload() body: GetAllDto): Promise<WsReply<{ count: number }>> {
    const session = await this.ready(socket);
    return ok({ count: await this.sessions.redeliver(session, this.redeliverFilter(body.event)) });
  }

  /** What `getAll { event }` sends again: everything, or only room copies of that event (caps adds its queue). */
  protected redeliverFilter(event: string | undefined): RedeliverFilter {
    return event === undefined ? {} : { queues: [], wanted: (headers) => headers.event === event };
  }

  /** How one delivery goes on the wire here. */
  protected present(d: Delivery, _recipient: string | null): Outgoing {
    return { event: 'message', body: toMessageEnvelope(d) };
  }

  /** Called for each delivery sent to one socket (caps remembers which store it was for). */
  protected onSent(_session: SocketSession, _d: Delivery, _out: Outgoing): void {}

  protected async enter(socket: CourierSocket, room: string): Promise<WsReply<{ room: string }>> {
    await this.ready(socket);
    if (room === ALARMS_ROOM) await socket.join(ALARMS_ROOM);
    else await this.rooms.join(this.ns, socket.id, room, this.anonymousJoin);
    return ok({ room });
  }

  protected session(socket: CourierSocket): SocketSession {
    const session = this.sessionsBySocket.get(socket.id);
    if (!session) throw new Error(`socket ${socket.id} has no session in ${this.ns}`);
    return session;
  }

  /** The socket's session once RoomService knows it (its durable memberships resumed). */
  protected async ready(socket: CourierSocket): Promise<SocketSession> {
    const session = this.session(socket);
    await session.ready;
    return session;
  }

  private sendTo(session: SocketSession, deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const out = this.present(d, session.clientId);
      this.onSent(session, d, out);
      emit(session.socket, out);
    }
  }

  /** One envelope per delivery, broadcast to every socket of the client (in the cluster, with the Redis adapter). */
  private sendToClient(clientId: string, deliveries: readonly Delivery[]): void {
    const sockets = this.server.to(clientRoom(clientId));
    for (const d of deliveries) emit(sockets, this.present(d, clientId));
  }

  /** Socket middleware: oversize, binary or too deep events are answered here and go no further. */
  private screen(socketId: string, packet: unknown[], next: (err?: Error) => void): void {
    const [event, ...args] = packet;
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: unknown) => void) : undefined;
    if (!this.rateLimit.take(socketId, Date.now())) {
      ack?.(fail(ErrorCode.RATE_LIMITED, `more than ${this.config.rateLimitSocket} events per second on this socket`));
      return;
    }
    const error = checkInbound(args, this.config.maxPayloadBytes);
    if (!error) return next();
    this.logger.debug(`${String(event)} refused: ${error.message}`);
    ack?.(fail(error.code, error.message, error.details));
  }

  private answerUnknown(event: string, args: unknown[]): void {
    if (this.knownEvents.has(event)) return;
    this.logger.debug(`unknown event ${JSON.stringify(event)} in /${this.ns}`);
    const ack = args[args.length - 1];
    if (typeof ack === 'function') ack(fail(ErrorCode.NOT_FOUND, `unknown event ${event}`));
  }
}

/** Emits one outgoing delivery under its event name (to a socket, or to every socket of a room). */
function emit(to: { emit: CourierSocket['emit'] }, out: Outgoing): void {
  if (out.event === 'message') to.emit('message', out.body);
  else to.emit(out.event, out.body);
}

function published(result: { id: string; duplicate: boolean }): { id: string; duplicate?: true } {
  return result.duplicate ? { id: result.id, duplicate: true } : { id: result.id };
}

/** The event names a gateway's `@SubscribeMessage` handlers answer, found the way Nest finds them. */
function subscribedEvents(gateway: object): Set<string> {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(gateway); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
  }
  const events = new Set<string>();
  for (const name of names) {
    // The most derived method is the one Nest binds: an override left undecorated answers nothing.
    const method = (gateway as Record<string, unknown>)[name];
    const event: unknown = typeof method === 'function' ? Reflect.getMetadata(MESSAGE_METADATA, method) : undefined;
    if (typeof event === 'string') events.add(event);
  }
  return events;
}
