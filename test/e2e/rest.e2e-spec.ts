import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { QueueService } from '../../src/queue/queue.service.js';
import { RoomService } from '../../src/rooms/room.service.js';
import { SocketMember } from '../../src/connections/socket-member.js';
import { Delivery } from '../../src/store/stored-message.js';
import { RunningApp, startApp } from '../support/start-app.js';

/**
 * The REST API's happy paths (contract §4) against the real app. Deliveries and acks go through
 * QueueService / RoomService directly, so these tests do not depend on the socket gateways.
 */
const NS = 'events';
const fresh = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 200; i++) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting until ${what}; last: ${JSON.stringify(last)}`);
}

/** A consumer as the engine sees one (a socket, without the socket). */
function testConsumer() {
  const received: Delivery[] = [];
  return { id: fresh('rest-test-consumer'), received, deliver: (ds: readonly Delivery[]) => void received.push(...ds) };
}

/** A connected socket as the room service sees one, without Socket.IO. */
function testMember(ns: string, clientId: string | null) {
  const received: Delivery[] = [];
  const member: SocketMember = { id: fresh('sock'), ns, clientId, send: (ds) => void received.push(...ds), sendToClient: (ds) => void received.push(...ds) };
  return { member, received };
}

describe('REST API', () => {
  let sut: RunningApp;
  let queues: QueueService;
  let rooms: RoomService;
  const api = () => request(sut.url);
  const queuePath = (q: string, ns = NS) => `/api/namespaces/${ns}/queues/${q}`;
  const roomPath = (r: string, ns = NS) => `/api/namespaces/${ns}/rooms/${r}`;
  const stats = async (q: string) => (await api().get(queuePath(q)).expect(200)).body;

  beforeAll(async () => {
    sut = await startApp();
    queues = sut.app.get(QueueService);
    rooms = sut.app.get(RoomService);
  });

  afterAll(async () => {
    await sut.close();
  });

  describe('POST /api/namespaces/:ns/queues/:queue/messages', () => {
    it('stores one message and answers 201 { id }', async () => {
      const q = fresh('orders');
      const res = await api().post(`${queuePath(q)}/messages`).send({ payload: { orderId: 'A-1' } }).expect(201);
      expect(res.body).toEqual({ id: expect.any(String) });
      expect(await stats(q)).toMatchObject({ name: q, ready: 1, published: 1 });
    });

    it('keeps every option and any JSON payload (null, false, 0, arrays, nested objects)', async () => {
      const q = fresh('options');
      const payloads = [null, false, 0, 'text', [1, { a: [2] }], { deep: { nested: { list: [true, null] } } }];
      for (const payload of payloads) {
        await api()
          .post(`${queuePath(q)}/messages`)
          .send({ payload, priority: 3, headers: { source: 'test' }, ttlMs: 60_000 })
          .expect(201);
      }
      const consumer = testConsumer();
      await queues.subscribe(NS, q, consumer, 100);
      await eventually(async () => consumer.received.length, (n) => n === payloads.length, 'all delivered');
      expect(consumer.received.map((d) => JSON.parse(d.payload))).toEqual(payloads);
      expect(consumer.received[0].headers).toEqual({ source: 'test' });
      await queues.consumerGone(consumer.id);
    });

    it('delivers by priority, higher first', async () => {
      const q = fresh('prio');
      await api().post(`${queuePath(q)}/messages`).send({ payload: 'low' }).expect(201);
      await api().post(`${queuePath(q)}/messages`).send({ payload: 'high', priority: 9 }).expect(201);
      const consumer = testConsumer();
      await queues.subscribe(NS, q, consumer, 10);
      await eventually(async () => consumer.received.length, (n) => n === 2, 'both delivered');
      expect(consumer.received.map((d) => JSON.parse(d.payload))).toEqual(['high', 'low']);
      await queues.consumerGone(consumer.id);
    });

    it('holds a delayed message back (counted as delayed)', async () => {
      const q = fresh('delayed');
      await api().post(`${queuePath(q)}/messages`).send({ payload: 1, delayMs: 60_000 }).expect(201);
      expect(await stats(q)).toMatchObject({ ready: 0, delayed: 1, published: 1 });
    });

    it('stores a batch of 1000 and answers { ids } in order', async () => {
      const q = fresh('batch');
      const messages = Array.from({ length: 1000 }, (_, i) => ({ payload: { n: i } }));
      const res = await api().post(`${queuePath(q)}/messages`).send({ messages }).expect(201);
      expect(res.body.ids).toHaveLength(1000);
      expect(new Set(res.body.ids).size).toBe(1000);
      expect(await stats(q)).toMatchObject({ ready: 1000, published: 1000 });
      const consumer = testConsumer();
      await queues.subscribe(NS, q, consumer, 5);
      await eventually(async () => consumer.received.length, (n) => n === 5, 'first window delivered');
      expect(consumer.received.map((d) => d.id)).toEqual(res.body.ids.slice(0, 5));
      await queues.consumerGone(consumer.id);
    });

    it('stores nothing of a batch of 1000 with one bad message', async () => {
      const q = fresh('all-or-none');
      const messages: Record<string, unknown>[] = Array.from({ length: 1000 }, (_, i) => ({ payload: i }));
      messages[637] = { payload: 637, priority: 10 };
      const res = await api().post(`${queuePath(q)}/messages`).send({ messages }).expect(400);
      expect(res.body.message).toEqual(['messages.637.priority must not be greater than 9']);
      await api().get(queuePath(q)).expect(404);
    });

    it('returns the first id with duplicate: true for a repeated body key, and stores it once', async () => {
      const q = fresh('dedup');
      const first = await api().post(`${queuePath(q)}/messages`).send({ payload: 1, key: 'order-1' }).expect(201);
      const again = await api().post(`${queuePath(q)}/messages`).send({ payload: 2, key: 'order-1' }).expect(201);
      expect(first.body).toEqual({ id: expect.any(String) });
      expect(again.body).toEqual({ id: first.body.id, duplicate: true });
      expect(await stats(q)).toMatchObject({ ready: 1, published: 1 });
    });

    it('takes the Idempotency-Key header as the key', async () => {
      const q = fresh('header-key');
      const first = await api().post(`${queuePath(q)}/messages`).set('Idempotency-Key', 'req-7').send({ payload: 1 }).expect(201);
      const again = await api().post(`${queuePath(q)}/messages`).set('Idempotency-Key', 'req-7').send({ payload: 1 }).expect(201);
      expect(again.body).toEqual({ id: first.body.id, duplicate: true });
      // The header and a body key are the same thing: the same value dedups across both.
      const asBody = await api().post(`${queuePath(q)}/messages`).send({ payload: 1, key: 'req-7' }).expect(201);
      expect(asBody.body).toEqual({ id: first.body.id, duplicate: true });
      expect(await stats(q)).toMatchObject({ published: 1 });
    });

    it('lets the body key win over the header', async () => {
      const q = fresh('key-wins');
      const first = await api().post(`${queuePath(q)}/messages`).set('Idempotency-Key', 'header-1').send({ payload: 1, key: 'body-1' }).expect(201);
      const byHeader = await api().post(`${queuePath(q)}/messages`).set('Idempotency-Key', 'header-1').send({ payload: 2 }).expect(201);
      const byBody = await api().post(`${queuePath(q)}/messages`).send({ payload: 3, key: 'body-1' }).expect(201);
      expect(byHeader.body.duplicate).toBeUndefined();
      expect(byHeader.body.id).not.toBe(first.body.id);
      expect(byBody.body).toEqual({ id: first.body.id, duplicate: true });
      expect(await stats(q)).toMatchObject({ published: 2 });
    });

    it('makes a retried batch with the same Idempotency-Key store nothing new', async () => {
      const q = fresh('batch-key');
      const body = { messages: [{ payload: 'a' }, { payload: 'b' }, { payload: 'c' }] };
      const first = await api().post(`${queuePath(q)}/messages`).set('Idempotency-Key', 'batch-9').send(body).expect(201);
      const again = await api().post(`${queuePath(q)}/messages`).set('Idempotency-Key', 'batch-9').send(body).expect(201);
      expect(new Set(first.body.ids).size).toBe(3);
      expect(again.body).toEqual(first.body);
      expect(await stats(q)).toMatchObject({ published: 3 });
    });

    it('accepts a body just under MAX_PAYLOAD_BYTES', async () => {
      const q = fresh('large');
      const envelope = JSON.stringify({ payload: '' }).length;
      const payload = 'x'.repeat(1048576 - envelope);
      await api().post(`${queuePath(q)}/messages`).set('content-type', 'application/json').send(JSON.stringify({ payload })).expect(201);
      expect(await stats(q)).toMatchObject({ ready: 1 });
    });
  });

  describe('queue stats', () => {
    it('follow a message through publish, delivery, ack, rejection, redrive and purge', async () => {
      const q = fresh('lifecycle');
      await api()
        .post(`${queuePath(q)}/messages`)
        .send({ messages: [{ payload: 1 }, { payload: 2 }, { payload: 3 }] })
        .expect(201);
      const published = await stats(q);
      expect(published).toEqual({
        name: q,
        ready: 3,
        inFlight: 0,
        delayed: 0,
        deadLettered: 0,
        consumers: 0,
        published: 3,
        acked: 0,
        redelivered: 0,
        oldestReadyAgeMs: expect.any(Number),
      });

      const consumer = testConsumer();
      await queues.subscribe(NS, q, consumer, 2);
      await eventually(async () => consumer.received.length, (n) => n === 2, 'two delivered');
      expect(await stats(q)).toMatchObject({ ready: 1, inFlight: 2, consumers: 1 });

      const [first, second] = consumer.received;
      expect(await queues.ack(NS, consumer.id, [first.id])).toEqual([first.id]);
      await eventually(async () => consumer.received.length, (n) => n === 3, 'third delivered into the freed slot');
      expect(await stats(q)).toMatchObject({ ready: 0, inFlight: 2, acked: 1, oldestReadyAgeMs: 0 });

      expect(await queues.nack(NS, consumer.id, second.id, false, 0)).toBe(true);
      expect(await stats(q)).toMatchObject({ inFlight: 1, deadLettered: 1 });

      const dead = await api().get(`${queuePath(q)}/dead-letters`).expect(200);
      expect(dead.body).toEqual([{ id: second.id, payload: 2, attempts: 1, reason: 'rejected', deadLetteredAt: expect.any(String) }]);
      expect(new Date(dead.body[0].deadLetteredAt).toISOString()).toBe(dead.body[0].deadLetteredAt);

      await queues.consumerGone(consumer.id);
      expect(await stats(q)).toMatchObject({ ready: 1, inFlight: 0, consumers: 0, deadLettered: 1 });

      expect((await api().post(`${queuePath(q)}/dead-letters/redrive`).expect(200)).body).toEqual({ redriven: 1 });
      expect(await stats(q)).toMatchObject({ ready: 2, deadLettered: 0 });
      expect((await api().get(`${queuePath(q)}/dead-letters`).expect(200)).body).toEqual([]);

      expect((await api().delete(`${queuePath(q)}/messages`).expect(200)).body).toEqual({ purged: 2 });
      expect(await stats(q)).toMatchObject({ ready: 0, inFlight: 0, published: 3, acked: 1 });
    });

    it('count a redelivery after the consumer went away', async () => {
      const q = fresh('redelivered');
      await api().post(`${queuePath(q)}/messages`).send({ payload: 'again' }).expect(201);
      const first = testConsumer();
      await queues.subscribe(NS, q, first, 1);
      await eventually(async () => first.received.length, (n) => n === 1, 'delivered');
      await queues.consumerGone(first.id);
      const second = testConsumer();
      await queues.subscribe(NS, q, second, 1);
      await eventually(async () => second.received.length, (n) => n === 1, 'delivered again');
      expect(second.received[0].attempt).toBe(2);
      expect(await stats(q)).toMatchObject({ inFlight: 1, redelivered: 1 });
      await queues.consumerGone(second.id);
    });

    it('dead-letters an expired message with reason expired', async () => {
      const q = fresh('ttl');
      const { body } = await api().post(`${queuePath(q)}/messages`).send({ payload: { late: true }, ttlMs: 30 }).expect(201);
      const dead = await eventually(
        async () => (await api().get(`${queuePath(q)}/dead-letters`).expect(200)).body,
        (list: unknown[]) => list.length === 1,
        'expired',
      );
      expect(dead).toEqual([{ id: body.id, payload: { late: true }, attempts: 0, reason: 'expired', deadLetteredAt: expect.any(String) }]);
    });

    it('list dead letters oldest first, up to limit', async () => {
      const q = fresh('dl-limit');
      const { body } = await api()
        .post(`${queuePath(q)}/messages`)
        .send({ messages: [0, 1, 2, 3].map((n) => ({ payload: n })) })
        .expect(201);
      const consumer = testConsumer();
      await queues.subscribe(NS, q, consumer, 4);
      await eventually(async () => consumer.received.length, (n) => n === 4, 'delivered');
      for (const id of body.ids) await queues.nack(NS, consumer.id, id, false, 0);
      const two = await api().get(`${queuePath(q)}/dead-letters?limit=2`).expect(200);
      expect(two.body.map((d: { id: string }) => d.id)).toEqual(body.ids.slice(0, 2));
      const all = await api().get(`${queuePath(q)}/dead-letters?limit=1000`).expect(200);
      expect(all.body.map((d: { payload: number }) => d.payload)).toEqual([0, 1, 2, 3]);
      await queues.consumerGone(consumer.id);
    });
  });

  describe('GET /api/namespaces/:ns/queues', () => {
    it('lists the stats of every queue of the namespace, and only that namespace', async () => {
      const q = fresh('listed');
      const other = fresh('in-caps');
      await api().post(`${queuePath(q)}/messages`).send({ payload: 1 }).expect(201);
      await api().post(`${queuePath(other, 'caps')}/messages`).send({ payload: 1 }).expect(201);
      const events = (await api().get(`/api/namespaces/${NS}/queues`).expect(200)).body as { name: string }[];
      const caps = (await api().get('/api/namespaces/caps/queues').expect(200)).body as { name: string }[];
      expect(events.find((s) => s.name === q)).toMatchObject({ ready: 1, published: 1 });
      expect(events.some((s) => s.name === other)).toBe(false);
      expect(caps.find((s) => s.name === other)).toMatchObject({ ready: 1 });
    });

    it('answers 404 for a queue never used, and 200 for one only subscribed to', async () => {
      const q = fresh('subscribed-only');
      await api().get(queuePath(q)).expect(404);
      const consumer = testConsumer();
      await queues.subscribe(NS, q, consumer, 1);
      expect(await stats(q)).toMatchObject({ name: q, ready: 0, consumers: 1, published: 0 });
      await queues.consumerGone(consumer.id);
    });
  });

  describe('rooms', () => {
    it('publishes to a room: 201 { id, recipients } counting durable members and anonymous sockets', async () => {
      const room = fresh('store');
      const durable = testMember(NS, fresh('vendor'));
      const anonymous = testMember(NS, null);
      await rooms.connect(durable.member);
      await rooms.connect(anonymous.member);
      await rooms.join(NS, durable.member.id, room, 'live');
      await rooms.join(NS, anonymous.member.id, room, 'live');

      const res = await api().post(`${roomPath(room)}/messages`).send({ payload: { status: 'delivered' } }).expect(201);
      expect(res.body).toEqual({ id: expect.any(String), recipients: 2 });
      await eventually(async () => durable.received.length + anonymous.received.length, (n) => n === 2, 'both got it');
      expect(JSON.parse(durable.received[0].payload)).toEqual({ status: 'delivered' });

      const listed = (await api().get(`/api/namespaces/${NS}/rooms`).expect(200)).body as { name: string }[];
      expect(listed.find((r) => r.name === room)).toEqual({ name: room, online: 2, members: 1 });

      await rooms.disconnect(NS, durable.member.id);
      await rooms.disconnect(NS, anonymous.member.id);
      const after = (await api().get(`/api/namespaces/${NS}/rooms`).expect(200)).body as { name: string }[];
      expect(after.find((r) => r.name === room)).toEqual({ name: room, online: 0, members: 1 });
    });

    it('dedups a room publish by key or Idempotency-Key, with recipients 0', async () => {
      const room = fresh('dedup-room');
      const first = await api().post(`${roomPath(room)}/messages`).set('Idempotency-Key', 'r-1').send({ payload: 1 }).expect(201);
      const again = await api().post(`${roomPath(room)}/messages`).send({ payload: 1, key: 'r-1' }).expect(201);
      expect(again.body).toEqual({ id: first.body.id, duplicate: true, recipients: 0 });
    });

    it('lists and redrives dead-lettered member copies, naming each client id', async () => {
      const room = fresh('dl-room');
      const clientId = fresh('vendor');
      const vendor = testMember(NS, clientId);
      await rooms.connect(vendor.member);
      await rooms.join(NS, vendor.member.id, room, 'live');
      await rooms.disconnect(NS, vendor.member.id);

      const { body } = await api().post(`${roomPath(room)}/messages`).send({ payload: 'expires', ttlMs: 30 }).expect(201);
      expect(body.recipients).toBe(1);
      const dead = await eventually(
        async () => (await api().get(`${roomPath(room)}/dead-letters`).expect(200)).body,
        (list: unknown[]) => list.length === 1,
        'copy expired',
      );
      expect(dead).toEqual([{ id: body.id, clientId, payload: 'expires', attempts: 0, reason: 'expired', deadLetteredAt: expect.any(String) }]);

      expect((await api().post(`${roomPath(room)}/dead-letters/redrive`).expect(200)).body).toEqual({ redriven: 1 });
      expect((await api().get(`${roomPath(room)}/dead-letters?limit=5`).expect(200)).body).toEqual([]);
      const back = testMember(NS, clientId);
      await rooms.connect(back.member);
      await eventually(async () => back.received.length, (n) => n === 1, 'redriven copy delivered on reconnect');
      expect(back.received[0]).toMatchObject({ id: body.id, attempt: 1 });
      await rooms.disconnect(NS, back.member.id);
    });
  });

  describe('GET /api/namespaces', () => {
    it('lists every namespace with its queue and room counts and connections', async () => {
      const before = (await api().get('/api/namespaces').expect(200)).body as { name: string; queues: number; rooms: number; connections: number }[];
      expect(before.map((n) => n.name)).toEqual(['caps', 'events']);
      const caps = before.find((n) => n.name === 'caps')!;

      await api().post(`${queuePath(fresh('count-q'), 'caps')}/messages`).send({ payload: 1 }).expect(201);
      await api().post(`${roomPath(fresh('count-r'), 'caps')}/messages`).send({ payload: 1 }).expect(201);
      const socket = testMember('caps', null);
      await rooms.connect(socket.member);

      const after = (await api().get('/api/namespaces').expect(200)).body as typeof before;
      expect(after.find((n) => n.name === 'caps')).toEqual({ name: 'caps', queues: caps.queues + 1, rooms: caps.rooms + 1, connections: caps.connections + 1 });
      await rooms.disconnect('caps', socket.member.id);
    });
  });
});
