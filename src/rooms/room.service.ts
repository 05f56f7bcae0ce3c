import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Peers } from '../delivery/peers.js';
import { Clock } from '../common/clock.js';
import { assertName } from '../common/names.js';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { clientConsumerId, Consumer } from '../delivery/consumer.js';
import { DeadLetters } from '../delivery/dead-letters.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { Leases } from '../delivery/leases.js';
import { PublishInput, toNewMessage } from '../publishing/publish-rules.js';
import { RedeliveryScheduler } from '../delivery/redelivery.scheduler.js';
import { Subscription } from '../delivery/subscription.js';
import { WakeBus } from '../delivery/wake-bus.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { Channel, DeadLetter, Delivery } from '../store/stored-message.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { AnonymousJoin, SocketMember } from '../connections/socket-member.js';
import { SocketState } from '../connections/socket-state.js';

/** Copies a durable member may hold unacked at once, per room. */
export const ROOM_PREFETCH = 1000;
const LIVE_HELD_LIMIT = 1000;
const MAILBOX_REPLAY_MAX = 10000;

export interface RoomPublishResult {
  id: string;
  duplicate: boolean;
  recipients: number;
}

export interface RoomInfo {
  name: string;
  online: number;
  members: number;
}

interface ClientState {
  readonly consumer: Consumer;
  readonly sockets: Set<SocketState>;
  readonly subs: Map<string, Subscription>;
}

export function roomChannel(ns: string, room: string, client: string): Channel {
  return { ns, kind: 'room', name: room, client };
}

/**
 * Broadcast rooms (contract §2). A socket with a client id is a durable member: the store keeps a copy of
 * every room message per member until that client acks it, delivered to all its sockets and replayed
 * when it comes back. Anonymous sockets get messages while connected, or — in `mailbox` mode — read the
 * copies of the member named after the room.
 */
@Injectable()
export class RoomService {
  private readonly logger = new Logger(RoomService.name);
  private readonly clients = new Map<string, ClientState>();
  /** room key → sockets that joined it during their connection. */
  private readonly joined = new Map<string, Set<SocketState>>();

  constructor(
    @Inject(MESSAGE_STORE) private readonly store: MessageStore,
    private readonly connectionRegistry: ConnectionRegistry,
    private readonly dispatcher: Dispatcher,
    private readonly leases: Leases,
    private readonly deadLettered: DeadLetters,
    private readonly wakeBus: WakeBus,
    private readonly scheduler: RedeliveryScheduler,
    private readonly clock: Clock,
    private readonly config: CourierConfig,
    private readonly nodeId: NodeId,
    // Every node of a cluster answers for its own sockets; this node alone when not provided (unit tests).
    @Optional() private readonly peers: Peers = new Peers(),
  ) {
    peers.handle('room-online', ({ ns, room }: { ns: string; room: string }) => this.online(ns, room));
    peers.handle('room-live', ({ ns, room, delivery }: { ns: string; room: string; delivery: Delivery }) => this.sendLive(ns, room, delivery));
    store.onReset(() => this.declareMemberships());
    wakeBus.onWake((channel) => {
      if (channel.kind !== 'room') return;
      this.dispatcher.wake(channel);
      if (channel.client === channel.name) {
        void this.sendMailbox(channel.ns, channel.name).catch((error: Error) => this.logger.error(`mailbox ${channel.ns}/${channel.name}: ${error.message}`));
      }
    });
  }

  /** A socket connected: a client id resumes its durable memberships (what it missed flows at once). */
  async connect(member: SocketMember): Promise<void> {
    const state = new SocketState(member);
    this.connectionRegistry.add(state);
    if (member.clientId === null) return;
    const key = clientKey(member.ns, member.clientId);
    let client = this.clients.get(key);
    if (!client) {
      const id = clientConsumerId(this.nodeId.value, member.ns, member.clientId);
      const sockets = new Set<SocketState>();
      const consumer: Consumer = { id, deliver: (d) => sockets.values().next().value?.member.sendToClient(d) };
      client = { consumer, sockets, subs: new Map() };
      this.clients.set(key, client);
    }
    client.sockets.add(state);
    for (const room of await this.store.memberships(member.ns, member.clientId)) this.follow(client, member.ns, room, member.clientId);
  }

  /** A socket went away: the last socket of a client releases what that client held. */
  async disconnect(ns: string, socketId: string): Promise<void> {
    const state = this.connectionRegistry.remove(ns, socketId);
    if (!state) return;
    for (const room of state.rooms) this.joined.get(roomKey(ns, room))?.delete(state);
    const clientId = state.member.clientId;
    if (clientId === null) return;
    const key = clientKey(ns, clientId);
    const client = this.clients.get(key);
    if (!client) return;
    client.sockets.delete(state);
    if (client.sockets.size > 0) return;
    this.clients.delete(key);
    for (const sub of client.subs.values()) this.dispatcher.remove(sub);
    await this.leases.releaseHolder(client.consumer.id);
  }

  /** Joins a room: durable for a client id; for anonymous sockets as `mode` says. */
  async join(ns: string, socketId: string, room: string, mode: AnonymousJoin): Promise<void> {
    assertName('room', room);
    const state = this.socket(ns, socketId);
    const now = this.clock.now();
    state.rooms.add(room);
    let set = this.joined.get(roomKey(ns, room));
    if (!set) this.joined.set(roomKey(ns, room), (set = new Set()));
    set.add(state);
    const clientId = state.member.clientId;
    if (clientId !== null) {
      await this.store.join(ns, room, clientId, now);
      const client = this.clients.get(clientKey(ns, clientId));
      if (client) this.follow(client, ns, room, clientId);
    } else if (mode === 'mailbox') {
      await this.store.join(ns, room, room, now);
      state.mailboxes.add(room);
      await this.replayMailbox(state, room, () => true);
    } else {
      await this.store.declare(ns, 'room', room, now);
    }
  }

  /** Leaves a room. For a client id this ends the durable membership; a mailbox keeps its copies. */
  async leave(ns: string, socketId: string, room: string): Promise<void> {
    assertName('room', room);
    const state = this.socket(ns, socketId);
    state.rooms.delete(room);
    state.mailboxes.delete(room);
    this.joined.get(roomKey(ns, room))?.delete(state);
    const clientId = state.member.clientId;
    if (clientId === null) return;
    await this.store.leave(ns, room, clientId);
    const client = this.clients.get(clientKey(ns, clientId));
    const sub = client?.subs.get(room);
    if (client && sub) {
      client.subs.delete(room);
      this.dispatcher.remove(sub);
    }
  }

  async publish(ns: string, room: string, input: PublishInput): Promise<RoomPublishResult> {
    assertName('room', room);
    const message = toNewMessage(input);
    const now = this.clock.now();
    const result = await this.store.fanOut(ns, room, message, now);
    if (result.duplicate) return { id: result.id, duplicate: true, recipients: 0 };
    this.scheduler.dueAfter(now, message);
    this.wakeBus.wake(result.clients.map((client) => roomChannel(ns, room, client)));
    let live = 0;
    if (message.delayMs === 0) {
      const delivery: Delivery = {
        id: result.id,
        channel: roomChannel(ns, room, ''),
        payload: message.payload,
        headers: message.headers,
        attempt: 1,
        publishedAt: now,
      };
      // Anonymous sockets in the room on every node of a cluster get it (and are counted).
      live = await this.peers.sum('room-live', { ns, room, delivery });
    }
    return { id: result.id, duplicate: false, recipients: result.clients.length + live };
  }

  /** Sends a room message to this node's anonymous (non-mailbox) sockets in the room; returns how many. */
  private sendLive(ns: string, room: string, delivery: Delivery): number {
    let sent = 0;
    for (const state of this.joined.get(roomKey(ns, room)) ?? []) {
      if (state.member.clientId !== null || state.mailboxes.has(room)) continue;
      state.rememberLive(delivery.id, LIVE_HELD_LIMIT);
      state.member.send([delivery]);
      sent++;
    }
    return sent;
  }

  /** Whether this socket holds `id` (a copy of its client, a mailbox copy or a live delivery). */
  async holds(ns: string, socketId: string, id: string): Promise<boolean> {
    const state = this.connectionRegistry.get(ns, socketId);
    if (!state) return false;
    if (state.mailboxHeld.has(id) || state.liveHeld.has(id)) return true;
    const clientId = state.member.clientId;
    if (clientId === null) return false;
    const client = this.clients.get(clientKey(ns, clientId));
    if ([...(client?.subs.values() ?? [])].some((sub) => sub.held.has(id))) return true;
    // In a cluster another node may have claimed the copy and sent it to every socket of this client id;
    // the store then decides: its ack settles only a pending copy of this client, else NOT_FOUND.
    return this.store.shared;
  }

  /** Settles room copies this socket holds among `ids`; returns the ids settled. */
  async ack(ns: string, socketId: string, ids: readonly string[]): Promise<string[]> {
    const state = this.connectionRegistry.get(ns, socketId);
    if (!state) return [];
    const settled: string[] = [];
    const clientId = state.member.clientId;
    const live = ids.filter((id) => state.liveHeld.delete(id));
    settled.push(...live);
    const rest = ids.filter((id) => !live.includes(id));
    const refs = rest.flatMap((id) => {
      const member = state.mailboxHeld.get(id) ?? clientId;
      return member === null ? [] : [{ id, client: member }];
    });
    if (refs.length === 0) return settled;
    const done = await this.store.ack(ns, refs, null, this.clock.now());
    for (const ref of done) {
      state.mailboxHeld.delete(ref.id);
      settled.push(ref.id);
    }
    if (clientId !== null) {
      const client = this.clients.get(clientKey(ns, clientId));
      for (const sub of client?.subs.values() ?? []) {
        const mine = done.filter((r) => sub.held.has(r.id)).map((r) => r.id);
        if (mine.length) this.dispatcher.acked(sub, mine);
      }
    }
    return settled;
  }

  /**
   * nack of a room copy this socket holds: a client's copy goes back to ready (after `delayMs`) or is
   * dead-lettered like a queue message. A mailbox copy with `requeue: false` is dead-lettered (`rejected`);
   * requeued, it is only forgotten by this socket and sent again on the next join or getAll (a mailbox copy
   * stays ready while anonymous sockets read it). A best-effort live copy is only forgotten.
   * False when the socket does not hold `id`.
   */
  async nack(ns: string, socketId: string, id: string, requeue: boolean, delayMs: number): Promise<boolean> {
    const state = this.connectionRegistry.get(ns, socketId);
    if (!state) return false;
    if (state.liveHeld.delete(id)) return true;
    const mailbox = state.mailboxHeld.get(id);
    if (mailbox !== undefined) {
      state.mailboxHeld.delete(id);
      if (requeue) return true;
      return (await this.store.deadLetter(ns, [{ id, client: mailbox }], null, this.clock.now(), 'rejected')).length > 0;
    }
    const clientId = state.member.clientId;
    const client = clientId === null ? undefined : this.clients.get(clientKey(ns, clientId));
    const sub = [...(client?.subs.values() ?? [])].find((s) => s.held.has(id));
    if (!sub || clientId === null) return false;
    return this.leases.nack(sub, { id, client: clientId }, requeue, delayMs);
  }

  /**
   * getAll: sends again everything pending for this socket's client id (a new attempt each), or for an
   * anonymous socket the mailbox copies it does not already hold. `filter` picks which (caps events).
   */
  async redeliver(ns: string, socketId: string, wanted?: (headers: Readonly<Record<string, string>>) => boolean): Promise<number> {
    const state = this.socket(ns, socketId);
    const clientId = state.member.clientId;
    if (clientId === null) {
      let sent = 0;
      for (const room of state.mailboxes) sent += await this.replayMailbox(state, room, (d) => !wanted || wanted(d.headers));
      return sent;
    }
    const client = this.clients.get(clientKey(ns, clientId));
    let sent = 0;
    for (const sub of client?.subs.values() ?? []) {
      sent += await this.dispatcher.redeliverHeld(sub, wanted);
    }
    return sent;
  }

  async list(ns: string): Promise<RoomInfo[]> {
    const names = new Set(await this.store.list(ns, 'room'));
    for (const key of this.joined.keys()) if (key.startsWith(`${ns}\0`)) names.add(key.slice(ns.length + 1));
    const sorted = [...names].sort();
    const [online, members] = await Promise.all([
      this.peers.sumEach('room-online', sorted.map((room) => ({ ns, room }))),
      Promise.all(sorted.map((room) => this.store.memberCount(ns, room))),
    ]);
    return sorted.map((name, i) => ({ name, online: online[i], members: members[i] }));
  }

  /** Connected sockets in the room on this node: those that joined it, and those of its durable members. */
  online(ns: string, room: string): number {
    const sockets = new Set(this.joined.get(roomKey(ns, room)) ?? []);
    for (const client of this.clients.values()) {
      if (!client.subs.has(room)) continue;
      for (const s of client.sockets) if (s.member.ns === ns) sockets.add(s);
    }
    return sockets.size;
  }

  deadLetters(ns: string, room: string, limit: number): Promise<DeadLetter[]> {
    return this.deadLettered.list(ns, 'room', room, limit);
  }

  redrive(ns: string, room: string): Promise<number> {
    return this.deadLettered.redrive(ns, 'room', room);
  }

  /**
   * After the store lost its data: the connected durable members' memberships (and the mailboxes of
   * anonymous caps sockets) are stored again, so the next publish reaches them; rooms joined live exist again.
   */
  private async declareMemberships(): Promise<void> {
    const now = this.clock.now();
    for (const client of this.clients.values()) {
      for (const sub of client.subs.values()) await this.store.join(sub.channel.ns, sub.channel.name, sub.channel.client, now);
    }
    for (const state of this.connectionRegistry.all()) {
      state.mailboxHeld.clear();
      for (const room of state.rooms) {
        if (state.mailboxes.has(room)) await this.store.join(state.member.ns, room, room, now);
        else if (state.member.clientId === null) await this.store.declare(state.member.ns, 'room', room, now);
      }
    }
  }

  /** Starts delivering a member's copies of `room` to its connected sockets. */
  private follow(client: ClientState, ns: string, room: string, clientId: string): void {
    if (client.subs.has(room)) return;
    const sub = new Subscription(client.consumer, roomChannel(ns, room, clientId), ROOM_PREFETCH);
    client.subs.set(room, sub);
    this.dispatcher.add(sub);
  }

  /** New mailbox copies of `room` go to its anonymous sockets (those already held are not sent twice). */
  private async sendMailbox(ns: string, room: string): Promise<void> {
    for (const state of this.joined.get(roomKey(ns, room)) ?? []) {
      if (state.mailboxes.has(room)) await this.replayMailbox(state, room, () => true);
    }
  }

  private async replayMailbox(state: SocketState, room: string, filter: (d: Delivery) => boolean): Promise<number> {
    const channel = roomChannel(state.member.ns, room, room);
    const copies = this.dispatcher.readable(channel, await this.store.peekReady(channel, MAILBOX_REPLAY_MAX, this.clock.now()), null);
    const fresh = copies.filter((d) => !state.mailboxHeld.has(d.id) && filter(d));
    for (const d of fresh) state.mailboxHeld.set(d.id, room);
    if (fresh.length) state.member.send(fresh);
    return fresh.length;
  }

  private socket(ns: string, socketId: string): SocketState {
    const state = this.connectionRegistry.get(ns, socketId);
    if (!state) throw new Error(`socket ${socketId} is not connected to ${ns}`);
    return state;
  }
}

function clientKey(ns: string, clientId: string): string {
  return `${ns}\0${clientId}`;
}

function roomKey(ns: string, room: string): string {
  return `${ns}\0${room}`;
}

