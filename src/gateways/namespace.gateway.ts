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
import { Namespace, Socket } from 'socket.io';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { DepthMonitor } from '../alarms/depth-monitor.js';
import { AuthService } from '../auth/auth.service.js';
import { ALARMS_ROOM, isValidName, NAME_RULE } from '../common/names.js';
import { NodeId } from '../common/node-id.js';
import { RateLimiter } from '../common/rate-limiter.js';
import { CourierConfig } from '../config/courier-config.js';
import { socketConsumerId } from '../delivery/consumer.js';
import { DEFAULT_PREFETCH, QueueService } from '../queue/queue.service.js';
import { RoomService } from '../rooms/room.service.js';
import { AnonymousJoin, SocketMember } from '../rooms/socket-member.js';
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
 * Handlers stay thin: the DTO is validated by WsValidationPipe, the work is one QueueService or
 * RoomService call, and every error becomes `{ ok: false, error }` in WsExceptionFilter.
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
  protected server: Namespace;

  /** The namespace's name, without the slash. */
  protected abstract readonly ns: string;
  /** How a socket without a client id joins a room here (see RoomService.join). */
  protected abstract readonly anonymousJoin: AnonymousJoin;

  protected readonly logger = new Logger(this.constructor.name);
  private readonly sessions = new Map<string, SocketSession>();
  private knownEvents: ReadonlySet<string> = new Set();
  /** RATE_LIMIT_SOCKET events per second per socket; a flooding socket is answered RATE_LIMITED, others unaffected. */
  private readonly rateLimit: RateLimiter;

  constructor(
    protected readonly queues: QueueService,
    protected readonly rooms: RoomService,
    private readonly nodeId: NodeId,
    private readonly config: CourierConfig,
    private readonly auth: AuthService,
    private readonly depth: DepthMonitor,
  ) {
    this.rateLimit = new RateLimiter(config.rateLimitSocket);
  }

  /** Runs before any socket connects: handshake checks, and depth alarms to the `$alarms` room. */
  afterInit(server: Namespace): void {
    this.knownEvents = subscribedEvents(this);
    server.use((socket, next) => next(this.admit(socket) ?? undefined));
    this.depth.onAlarm((ns, event, alarm) => {
      // `local`: every node runs its own DepthMonitor over the shared counts, so each tells its own sockets
      // (with the Redis adapter a plain broadcast would reach every $alarms socket once per node).
      if (ns === this.ns) this.server.local.to(ALARMS_ROOM).emit(event, alarm);
    });
  }

  handleConnection(socket: Socket): void {
    const clientId = (socket.data.clientId as string | null | undefined) ?? null;
    const session: SocketSession = new SocketSession(socket, clientId, socketConsumerId(this.nodeId.value, socket.id), (d) => this.sendTo(session, d));
    this.sessions.set(socket.id, session);
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

  async handleDisconnect(socket: Socket): Promise<void> {
    const session = this.sessions.get(socket.id);
    if (!session) return;
    this.sessions.delete(socket.id);
    this.rateLimit.forget(socket.id);
    await session.ready;
    try {
      await this.queues.consumerGone(session.consumer.id);
      await this.rooms.disconnect(this.ns, socket.id);
    } catch (error) {
      this.logger.error(`disconnect ${socket.id}: ${(error as Error).message}`);
    }
  }

  @SubscribeMessage('join')
  join(@ConnectedSocket() socket: Socket, @WsPayload() body: JoinDto): Promise<WsReply<{ room: string }>> {
    return this.enter(socket, body.roomName());
  }

  @SubscribeMessage('joinRoom')
  joinRoom(@ConnectedSocket() socket: Socket, @WsPayload() body: JoinDto): Promise<WsReply<{ room: string }>> {
    return this.enter(socket, body.roomName());
  }

  @SubscribeMessage('leave')
  async leave(@ConnectedSocket() socket: Socket, @WsPayload() body: JoinDto): Promise<WsReply<{ room: string }>> {
    await this.session(socket).ready;
    if (body.room === ALARMS_ROOM) await socket.leave(ALARMS_ROOM);
    else await this.rooms.leave(this.ns, socket.id, body.room);
    return ok({ room: body.room });
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @WsPayload() body: SubscribeDto): Promise<WsReply<{ queue: string }>> {
    await this.queues.subscribe(this.ns, body.queue, this.session(socket).consumer, body.prefetch ?? DEFAULT_PREFETCH);
    return ok({ queue: body.queue });
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @WsPayload() body: UnsubscribeDto): Promise<WsReply<{ queue: string }>> {
    await this.queues.unsubscribe(this.ns, body.queue, this.session(socket).consumer.id);
    return ok({ queue: body.queue });
  }

  @SubscribeMessage('publish')
  async publish(@WsPayload() body: PublishDto): Promise<WsReply<{ id: string; duplicate?: true; recipients?: number }>> {
    if ((body.queue === undefined) === (body.room === undefined)) {
      throw CourierError.validation('give exactly one of queue or room', { field: 'queue' });
    }
    if (body.queue !== undefined) {
      const { id, duplicate } = await this.queues.publish(this.ns, body.queue, toPublishInput(body));
      return ok({ id, ...(duplicate ? { duplicate } : {}) });
    }
    const { id, duplicate, recipients } = await this.rooms.publish(this.ns, body.room!, toPublishInput(body));
    return ok({ id, recipients, ...(duplicate ? { duplicate } : {}) });
  }

  @SubscribeMessage('publishBatch')
  async publishBatch(@WsPayload() body: PublishBatchDto): Promise<WsReply<{ ids: string[] }>> {
    const results = await this.queues.publishBatch(this.ns, body.queue, body.messages.map(toPublishInput));
    return ok({ ids: results.map((r) => r.id) });
  }

  @SubscribeMessage('ack')
  ack(@ConnectedSocket() socket: Socket, @WsPayload() body: AckDto): Promise<WsReply<{ acked?: number }>> {
    return this.acknowledge(socket, body);
  }

  /** The original lab's name for `ack`. */
  @SubscribeMessage('received')
  received(@ConnectedSocket() socket: Socket, @WsPayload() body: AckDto): Promise<WsReply<{ acked?: number }>> {
    return this.acknowledge(socket, body);
  }

  @SubscribeMessage('nack')
  async nack(@ConnectedSocket() socket: Socket, @WsPayload() body: NackDto): Promise<WsReply> {
    const session = this.session(socket);
    await session.ready;
    const requeue = body.requeue ?? true;
    const delayMs = requeue ? (body.delayMs ?? 0) : 0;
    const done =
      (await this.queues.nack(this.ns, session.consumer.id, body.id, requeue, delayMs)) ||
      (await this.rooms.nack(this.ns, socket.id, body.id, requeue, delayMs));
    if (!done) throw notHeld(body.id);
    return ok();
  }

  @SubscribeMessage('getAll')
  async getAll(@ConnectedSocket() socket: Socket, @WsPayload() body: GetAllDto): Promise<WsReply<{ count: number }>> {
    const session = this.session(socket);
    await session.ready;
    const filter = body.event === undefined ? undefined : (d: Delivery) => d.headers.event === body.event;
    // An anonymous socket has nothing pending but what it holds, and is never sent that twice.
    const queued = session.clientId === null ? 0 : await this.queues.redeliverHeld(session.consumer.id, this.queuesFor(body.event));
    const copies = await this.rooms.redeliver(this.ns, socket.id, filter);
    return ok({ count: queued + copies });
  }

  /** Which queues `getAll { event }` sends again (undefined: all). Only caps names queues after events. */
  protected queuesFor(event: string | undefined): string[] | undefined {
    return event === undefined ? undefined : [];
  }

  /** How one delivery goes on the wire here. */
  protected present(d: Delivery, _recipient: string | null): Outgoing {
    return { event: 'message', body: toMessageEnvelope(d) };
  }

  /** Called for each delivery sent to one socket (caps remembers which store it was for). */
  protected onSent(_session: SocketSession, _d: Delivery, _out: Outgoing): void {}

  protected async enter(socket: Socket, room: string): Promise<WsReply<{ room: string }>> {
    await this.session(socket).ready;
    if (room === ALARMS_ROOM) await socket.join(ALARMS_ROOM);
    else await this.rooms.join(this.ns, socket.id, room, this.anonymousJoin);
    return ok({ room });
  }

  /** Acks what this socket holds among `ids` (queue messages first, then room copies); returns how many. */
  protected async settle(session: SocketSession, ids: readonly string[]): Promise<number> {
    const queued: string[] = [];
    const copies: string[] = [];
    for (const id of new Set(ids)) {
      if (this.queues.holds(this.ns, session.consumer.id, id)) queued.push(id);
      else if (await this.rooms.holds(this.ns, session.socket.id, id)) copies.push(id);
    }
    const acked = queued.length ? await this.queues.ack(this.ns, session.consumer.id, queued) : [];
    const settled = copies.length ? await this.rooms.ack(this.ns, session.socket.id, copies) : [];
    return acked.length + settled.length;
  }

  protected session(socket: Socket): SocketSession {
    const session = this.sessions.get(socket.id);
    if (!session) throw new Error(`socket ${socket.id} has no session in ${this.ns}`);
    return session;
  }

  /**
   * Handshake: the token (API key or JWT) when auth is on, then the client id (`auth.clientId`, or the
   * JWT's `sub`). Returns the connect error to refuse with; its `message` is the error code.
   */
  private admit(socket: Socket): Error | null {
    const auth = (socket.handshake.auth ?? {}) as { clientId?: unknown; token?: unknown };
    const given = auth.clientId ?? null;
    try {
      if (given !== null && !isValidName(given)) throw CourierError.validation(`clientId must match ${NAME_RULE}`);
      const { clientId } = this.auth.authenticateSocket(this.ns, auth.token, given);
      if (clientId !== null && !isValidName(clientId)) throw CourierError.validation(`clientId must match ${NAME_RULE}`);
      socket.data.clientId = clientId;
      return null;
    } catch (error) {
      const code = error instanceof CourierError ? error.code : ErrorCode.UNAUTHORIZED;
      const message = error instanceof Error ? error.message : code;
      return Object.assign(new Error(code), { data: { code, message } });
    }
  }

  private async acknowledge(socket: Socket, body: AckDto): Promise<WsReply<{ acked?: number }>> {
    const id = body.singleId();
    const session = this.session(socket);
    await session.ready;
    if (id === null) return ok({ acked: await this.settle(session, body.ids!) });
    if ((await this.settle(session, [id])) === 0) throw notHeld(id);
    return ok();
  }

  private sendTo(session: SocketSession, deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const out = this.present(d, session.clientId);
      this.onSent(session, d, out);
      session.socket.emit(out.event, out.body);
    }
  }

  /** One envelope per delivery, broadcast to every socket of the client (in the cluster, with the Redis adapter). */
  private sendToClient(clientId: string, deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const out = this.present(d, clientId);
      this.server.to(clientRoom(clientId)).emit(out.event, out.body);
    }
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

function notHeld(id: string): CourierError {
  return CourierError.notFound(`message ${id} is not held by this socket`);
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
