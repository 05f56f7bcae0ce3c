import { payloads, settle, until } from '../../test/support/event-loop.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { DELIVERY_PROVIDERS } from '../delivery/delivery.module.js';
import { Test, TestingModule } from '@nestjs/testing';
import { Clock } from '../common/clock.js';
import { ErrorCode } from '../common/error-code.js';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { QueueService } from '../queue/queue.service.js';
import { RedeliveryScheduler } from '../delivery/redelivery.scheduler.js';
import { WakeBus } from '../delivery/wake-bus.js';
import { MemoryMessageStore } from '../store/memory/memory-message-store.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import { Delivery } from '../store/stored-message.js';
import { RoomService } from './room.service.js';
import { AnonymousJoin, SocketMember } from '../connections/socket-member.js';
import { FakeClock } from '../../test/support/fake-clock.js';

const NS = 'events';
const ROOM = 'news';
const T0 = 1_700_000_000_000;
const ACK_TIMEOUT_MS = 1000;
const MAX_ATTEMPTS = 3;


/** A connected socket; `sendToClient` reaches every connected socket of the same client id, as the gateway's does. */
class FakeSocket implements SocketMember {
  readonly received: Delivery[] = [];

  constructor(
    readonly id: string,
    readonly ns: string,
    readonly clientId: string | null,
    private readonly connected: Set<FakeSocket>,
  ) {}

  send(deliveries: readonly Delivery[]): void {
    this.received.push(...deliveries);
  }

  sendToClient(deliveries: readonly Delivery[]): void {
    for (const s of this.connected) if (s.ns === this.ns && s.clientId === this.clientId) s.received.push(...deliveries);
  }
}

describe(RoomService.name, () => {
  let moduleRef: TestingModule;
  let sut: RoomService;
  let scheduler: RedeliveryScheduler;
  let clock: FakeClock;
  let connected: Set<FakeSocket>;
  let socketSeq: number;

  beforeEach(async () => {
    clock = new FakeClock(T0);
    connected = new Set();
    socketSeq = 0;
    moduleRef = await Test.createTestingModule({
      providers: [
        RoomService,
        QueueService,
        ...DELIVERY_PROVIDERS,
        ConnectionRegistry,
        WakeBus,
        NodeId,
        { provide: Clock, useValue: clock },
        { provide: CourierConfig, useValue: CourierConfig.with({ ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS), MAX_ATTEMPTS: String(MAX_ATTEMPTS) }) },
        { provide: MESSAGE_STORE, useValue: new MemoryMessageStore() },
      ],
    }).compile();
    await moduleRef.init();
    sut = moduleRef.get(RoomService);
    scheduler = moduleRef.get(RedeliveryScheduler);
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  const connect = async (clientId: string | null, ns = NS): Promise<FakeSocket> => {
    const socket = new FakeSocket(`sock-${++socketSeq}`, ns, clientId, connected);
    connected.add(socket);
    await sut.connect(socket);
    return socket;
  };

  const disconnect = async (socket: FakeSocket): Promise<void> => {
    connected.delete(socket);
    await sut.disconnect(socket.ns, socket.id);
  };

  const join = (socket: FakeSocket, room = ROOM, mode: AnonymousJoin = 'live') => sut.join(socket.ns, socket.id, room, mode);

  const passTime = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await scheduler.sweepNow();
    await settle();
  };

  describe('durable members', () => {
    it('gives a member with a client id its own copy', async () => {
      const alice = await connect('alice');
      await join(alice);

      const result = await sut.publish(NS, ROOM, { payload: { text: 'hi' }, headers: { from: 'desk' } });
      await until(() => alice.received.length === 1, 'the copy is delivered');

      expect(result).toEqual({ id: result.id, duplicate: false, recipients: 1 });
      expect(alice.received[0]).toEqual({
        id: result.id,
        channel: { ns: NS, kind: 'room', name: ROOM, client: 'alice' },
        payload: '{"text":"hi"}',
        value: { text: 'hi' },
        headers: { from: 'desk' },
        attempt: 1,
        publishedAt: T0,
      });
    });

    it('keeps the copy of an offline member and delivers it when the client connects again', async () => {
      const first = await connect('alice');
      await join(first);
      await disconnect(first);

      const { id, recipients } = await sut.publish(NS, ROOM, { payload: 'missed' });
      expect(recipients).toBe(1);
      await settle();
      expect(first.received).toHaveLength(0);

      const again = await connect('alice');
      await until(() => again.received.length === 1, 'the missed copy is delivered');
      expect(again.received[0]).toMatchObject({ id, attempt: 1 });
    });

    it('settles the copy on the client ack: not delivered again after a reconnect', async () => {
      const first = await connect('alice');
      await join(first);
      const { id } = await sut.publish(NS, ROOM, { payload: 'once' });
      await until(() => first.received.length === 1, 'the copy is delivered');

      expect(await sut.ack(NS, first.id, [id])).toEqual([id]);
      await disconnect(first);
      const again = await connect('alice');
      await passTime(ACK_TIMEOUT_MS * 2);

      expect(again.received).toHaveLength(0);
    });

    it('delivers an unacked copy again with attempt + 1 after the client reconnects', async () => {
      const first = await connect('alice');
      await join(first);
      const { id } = await sut.publish(NS, ROOM, { payload: 'again' });
      await until(() => first.received.length === 1, 'the copy is delivered');

      await disconnect(first);
      const again = await connect('alice');
      await until(() => again.received.length === 1, 'the copy is delivered again');

      expect(again.received[0]).toMatchObject({ id, attempt: 2 });
    });

    it('gives every socket of the client the copy; an ack from either settles it', async () => {
      const phone = await connect('alice');
      const laptop = await connect('alice');
      await join(phone);

      const { id, recipients } = await sut.publish(NS, ROOM, { payload: 'both' });
      await until(() => phone.received.length === 1 && laptop.received.length === 1, 'both sockets get the copy');

      expect(recipients).toBe(1);
      expect(laptop.received[0]).toMatchObject({ id, attempt: 1 });
      expect(await sut.holds(NS, laptop.id, id)).toBe(true);
      expect(await sut.ack(NS, laptop.id, [id])).toEqual([id]);
      expect(await sut.ack(NS, phone.id, [id])).toEqual([]);
      await disconnect(phone);
      await disconnect(laptop);
      const later = await connect('alice');
      await settle();
      expect(later.received).toHaveLength(0);
    });

    it('keeps delivering to the remaining socket when one socket of the client goes away', async () => {
      const phone = await connect('alice');
      const laptop = await connect('alice');
      await join(phone);
      await disconnect(phone);

      await sut.publish(NS, ROOM, { payload: 'still here' });
      await until(() => laptop.received.length === 1, 'the remaining socket gets the copy');

      expect(payloads(laptop.received)).toEqual(['still here']);
    });

    it('does not let another client settle the copy', async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      await join(alice);
      const { id } = await sut.publish(NS, ROOM, { payload: 'for alice' });
      await until(() => alice.received.length === 1, 'the copy is delivered');

      expect(await sut.holds(NS, bob.id, id)).toBe(false);
      expect(await sut.ack(NS, bob.id, [id])).toEqual([]);
      expect(await sut.ack(NS, alice.id, [id])).toEqual([id]);
    });

    it('delivers an unacked copy again to the same client after the ack timeout', async () => {
      const alice = await connect('alice');
      await join(alice);
      const { id } = await sut.publish(NS, ROOM, { payload: 'late' });
      await until(() => alice.received.length === 1, 'the copy is delivered');

      await passTime(ACK_TIMEOUT_MS);
      await until(() => alice.received.length === 2, 'the copy is delivered again');

      expect(alice.received[1]).toMatchObject({ id, attempt: 2, channel: { client: 'alice' } });
    });

    it('sends everything pending again on getAll, as a new attempt', async () => {
      const alice = await connect('alice');
      await join(alice);
      await sut.publish(NS, ROOM, { payload: 'one' });
      await sut.publish(NS, ROOM, { payload: 'two' });
      await until(() => alice.received.length === 2, 'both copies are delivered');

      expect(await sut.redeliver(NS, alice.id)).toBe(2);

      expect(alice.received.slice(2).map((d) => [JSON.parse(d.payload), d.attempt])).toEqual([
        ['one', 2],
        ['two', 2],
      ]);
    });

    it('on getAll with a filter sends again only the copies it picks, and charges the others no attempt', async () => {
      const alice = await connect('alice');
      await join(alice);
      await sut.publish(NS, ROOM, { payload: 'picked', headers: { event: 'delivered' } });
      const { id: other } = await sut.publish(NS, ROOM, { payload: 'other', headers: { event: 'in-transit' } });
      await until(() => alice.received.length === 2, 'both copies are delivered');

      for (let i = 0; i < MAX_ATTEMPTS + 1; i++) expect(await sut.redeliver(NS, alice.id, (h) => h.event === 'nothing')).toBe(0);
      expect(await sut.redeliver(NS, alice.id, (h) => h.event === 'delivered')).toBe(1);

      expect(alice.received.slice(2).map((d) => [JSON.parse(d.payload), d.attempt])).toEqual([['picked', 2]]);
      expect(await sut.deadLetters(NS, ROOM, 10)).toEqual([]);
      expect(await sut.redeliver(NS, alice.id)).toBe(2);
      expect(alice.received.find((d) => d.id === other && d.attempt === 2)).toBeDefined();
    });

    it('holds delayed copies back for every member until the delay passes', async () => {
      const alice = await connect('alice');
      await join(alice);

      const { recipients } = await sut.publish(NS, ROOM, { payload: 'later', delayMs: 200 });
      await passTime(199);
      expect(recipients).toBe(1);
      expect(alice.received).toHaveLength(0);

      await passTime(1);
      await until(() => alice.received.length === 1, 'the delayed copy is delivered');
    });
  });

  describe('anonymous sockets', () => {
    it('get room messages only while connected', async () => {
      const anon = await connect(null);
      await join(anon);

      const live = await sut.publish(NS, ROOM, { payload: 'live' });
      expect(live.recipients).toBe(1);
      expect(anon.received).toMatchObject([{ id: live.id, attempt: 1, channel: { kind: 'room', name: ROOM } }]);
      expect(await sut.ack(NS, anon.id, [live.id])).toEqual([live.id]);
      expect(await sut.ack(NS, anon.id, [live.id])).toEqual([]);

      await disconnect(anon);
      const missed = await sut.publish(NS, ROOM, { payload: 'missed' });
      const next = await connect(null);
      await join(next);
      await settle();

      expect(missed.recipients).toBe(0);
      expect(anon.received).toHaveLength(1);
      expect(next.received).toHaveLength(0);
    });

    it('stop getting room messages after leave', async () => {
      const anon = await connect(null);
      await join(anon);
      await sut.leave(NS, anon.id, ROOM);

      expect((await sut.publish(NS, ROOM, { payload: 'x' })).recipients).toBe(0);
      expect(anon.received).toHaveLength(0);
    });
  });

  describe('mailbox rooms', () => {
    it('keep what was published while no socket was there for the next socket that joins, once', async () => {
      const vendor = await connect(null);
      await join(vendor, 'acme', 'mailbox');
      await disconnect(vendor);

      const { id, recipients } = await sut.publish(NS, 'acme', { payload: 'delivered' });
      expect(recipients).toBe(1);
      const back = await connect(null);
      await join(back, 'acme', 'mailbox');
      await settle();

      expect(back.received).toMatchObject([{ id, channel: { name: 'acme', client: 'acme' } }]);
      // A second join or a getAll on the same connection sends nothing it already holds.
      await join(back, 'acme', 'mailbox');
      expect(await sut.redeliver(NS, back.id)).toBe(0);
      await settle();
      expect(back.received).toHaveLength(1);
    });

    it('dead-letter a copy nacked with requeue false (rejected), and only forget one nacked to be sent again', async () => {
      const vendor = await connect(null);
      await join(vendor, 'acme', 'mailbox');
      const { id: kept } = await sut.publish(NS, 'acme', { payload: 'again' });
      const { id: rejected } = await sut.publish(NS, 'acme', { payload: 'rejected' });
      await until(() => vendor.received.length === 2, 'both mailbox copies are sent');

      expect(await sut.nack(NS, vendor.id, rejected, false, 0)).toBe(true);
      expect(await sut.nack(NS, vendor.id, kept, true, 0)).toBe(true);

      expect(await sut.deadLetters(NS, 'acme', 10)).toMatchObject([{ id: rejected, client: 'acme', reason: 'rejected' }]);
      expect(await sut.redeliver(NS, vendor.id)).toBe(1);
      expect(vendor.received.at(-1)).toMatchObject({ id: kept });
    });

    it('send new copies to the sockets in the mailbox as they are published', async () => {
      const vendor = await connect(null);
      await join(vendor, 'acme', 'mailbox');

      const { id } = await sut.publish(NS, 'acme', { payload: 'in-transit' });
      await until(() => vendor.received.length === 1, 'the copy is sent');
      await settle();

      expect(vendor.received[0].id).toBe(id);
      expect(await sut.holds(NS, vendor.id, id)).toBe(true);

      const second = await sut.publish(NS, 'acme', { payload: 'delivered' });
      await until(() => vendor.received.length === 2, 'the second copy is sent');
      await settle();
      expect(vendor.received.map((d) => d.id)).toEqual([id, second.id]);
    });

    it('settle a copy on the ack of a socket that was sent it', async () => {
      const vendor = await connect(null);
      await join(vendor, 'acme', 'mailbox');
      const { id } = await sut.publish(NS, 'acme', { payload: 'delivered' });
      await until(() => vendor.received.length === 1, 'the copy is sent');

      expect(await sut.ack(NS, vendor.id, [id])).toEqual([id]);
      await disconnect(vendor);
      const back = await connect(null);
      await join(back, 'acme', 'mailbox');
      await settle();

      expect(back.received).toHaveLength(0);
    });

    it('neither resend a copy on the ack timeout nor count it towards MAX_ATTEMPTS', async () => {
      const vendor = await connect(null);
      await join(vendor, 'acme', 'mailbox');
      const { id } = await sut.publish(NS, 'acme', { payload: 'delivered' });
      await until(() => vendor.received.length === 1, 'the copy is sent');

      for (let i = 0; i <= MAX_ATTEMPTS; i++) await passTime(ACK_TIMEOUT_MS);

      expect(vendor.received).toHaveLength(1);
      expect(await sut.deadLetters(NS, 'acme', 10)).toEqual([]);
      await disconnect(vendor);
      const back = await connect(null);
      await join(back, 'acme', 'mailbox');
      await settle();
      expect(back.received).toMatchObject([{ id }]);
    });

    it('keep the mailbox after a leave: the socket stops getting copies, a later join replays them', async () => {
      const vendor = await connect(null);
      await join(vendor, 'acme', 'mailbox');
      await sut.leave(NS, vendor.id, 'acme');

      const { recipients } = await sut.publish(NS, 'acme', { payload: 'kept' });
      await settle();
      expect(recipients).toBe(1);
      expect(vendor.received).toHaveLength(0);

      await join(vendor, 'acme', 'mailbox');
      await settle();
      expect(payloads(vendor.received)).toEqual(['kept']);
    });
  });

  describe('publish', () => {
    it('counts durable members (online or not) plus the anonymous sockets it was sent to', async () => {
      const alice = await connect('alice');
      await join(alice);
      const bob = await connect('bob');
      await join(bob);
      await disconnect(bob);
      await join(await connect(null));
      await join(await connect(null), 'elsewhere');
      await connect(null);

      expect((await sut.publish(NS, ROOM, { payload: 'x' })).recipients).toBe(3);
      // A delayed message is not sent to anonymous sockets at all.
      expect((await sut.publish(NS, ROOM, { payload: 'y', delayMs: 100 })).recipients).toBe(2);
    });

    it('returns the first id with recipients 0 for a repeated key, and stores nothing more', async () => {
      const alice = await connect('alice');
      await join(alice);

      const first = await sut.publish(NS, ROOM, { payload: 'once', key: 'k1' });
      const second = await sut.publish(NS, ROOM, { payload: 'twice', key: 'k1' });
      await settle();

      expect(second).toEqual({ id: first.id, duplicate: true, recipients: 0 });
      expect(payloads(alice.received)).toEqual(['once']);
    });

    it('refuses a bad room name and a bad message with VALIDATION', async () => {
      await expect(sut.publish(NS, 'no spaces', { payload: 1 })).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      await expect(sut.publish(NS, ROOM, { payload: 1, priority: 10 })).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      await expect(sut.publish(NS, ROOM, { payload: 1, bogus: 1 } as never)).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
    });
  });

  describe('leave', () => {
    it('ends the durable membership: no copies any more, none on reconnect', async () => {
      const alice = await connect('alice');
      await join(alice);

      await sut.leave(NS, alice.id, ROOM);
      const { recipients } = await sut.publish(NS, ROOM, { payload: 'gone' });
      await disconnect(alice);
      const again = await connect('alice');
      await settle();

      expect(recipients).toBe(0);
      expect(alice.received).toHaveLength(0);
      expect(again.received).toHaveLength(0);
      expect(await sut.list(NS)).toEqual([{ name: ROOM, online: 0, members: 0 }]);
    });
  });

  describe('dead letters', () => {
    it('dead-letters each unacked copy after MAX_ATTEMPTS and redrives each back to its client, even one that left', async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      await join(alice);
      await join(bob);
      const { id } = await sut.publish(NS, ROOM, { payload: 'ignored' });
      await until(() => alice.received.length === 1 && bob.received.length === 1, 'both copies are delivered');
      for (let attempt = 2; attempt <= MAX_ATTEMPTS + 1; attempt++) await passTime(ACK_TIMEOUT_MS);

      expect(alice.received.map((d) => d.attempt)).toEqual([1, 2, 3]);
      const dead = await sut.deadLetters(NS, ROOM, 10);
      expect(dead.map((d) => [d.id, d.client, d.reason, d.attempts]).sort()).toEqual([
        [id, 'alice', 'max-attempts', MAX_ATTEMPTS],
        [id, 'bob', 'max-attempts', MAX_ATTEMPTS],
      ]);

      await sut.leave(NS, bob.id, ROOM);
      expect(await sut.redrive(NS, ROOM)).toBe(2);
      await until(() => alice.received.length === 4, 'alice gets her copy again');
      expect(alice.received[3]).toMatchObject({ id, attempt: 1 });
      expect(await sut.deadLetters(NS, ROOM, 10)).toEqual([]);

      // Bob's copy waits for him; it flows once he is a member again.
      await settle();
      expect(bob.received).toHaveLength(MAX_ATTEMPTS);
      await join(bob);
      await until(() => bob.received.length === MAX_ATTEMPTS + 1, 'bob gets his copy again');
      expect(bob.received[MAX_ATTEMPTS]).toMatchObject({ id, attempt: 1, channel: { client: 'bob' } });
    });

    it('dead-letters the copies whose TTL passed before their member came back, as expired', async () => {
      const alice = await connect('alice');
      await join(alice);
      await disconnect(alice);
      const { id } = await sut.publish(NS, ROOM, { payload: 'stale', ttlMs: 100 });

      await passTime(100);
      const back = await connect('alice');
      await settle();

      expect(back.received).toHaveLength(0);
      expect(await sut.deadLetters(NS, ROOM, 10)).toEqual([
        { id, client: 'alice', payload: '"stale"', attempts: 0, reason: 'expired', deadLetteredAt: T0 + 100 },
      ]);
    });

    it('keeps dead letters per room', async () => {
      const alice = await connect('alice');
      await join(alice, 'r1');
      await join(alice, 'r2');
      await sut.publish(NS, 'r1', { payload: 1 });
      await until(() => alice.received.length === 1, 'the copy is delivered');
      for (let i = 0; i < MAX_ATTEMPTS; i++) await passTime(ACK_TIMEOUT_MS);

      expect(await sut.deadLetters(NS, 'r1', 10)).toHaveLength(1);
      expect(await sut.deadLetters(NS, 'r2', 10)).toEqual([]);
      expect(await sut.redrive(NS, 'r2')).toBe(0);
    });
  });

  describe('list', () => {
    it('reports each room with its online sockets and durable members', async () => {
      const alice = await connect('alice');
      const phone = await connect('alice');
      await join(alice, 'b-room');
      const bob = await connect('bob');
      await join(bob, 'b-room');
      await disconnect(bob);
      await join(await connect(null), 'a-room');
      await join(await connect('carol', 'caps'), 'c-room');

      expect(await sut.list(NS)).toEqual([
        { name: 'a-room', online: 1, members: 0 },
        { name: 'b-room', online: 2, members: 2 },
      ]);
      expect(sut.online(NS, 'b-room')).toBe(2);
      expect(moduleRef.get(ConnectionRegistry).count(NS)).toBe(3);
      await disconnect(phone);
      expect(sut.online(NS, 'b-room')).toBe(1);
    });
  });
});
