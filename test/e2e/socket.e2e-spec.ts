import { io } from 'socket.io-client';
import { QueueService } from '../../src/queue/queue.service.js';
import { closeAllClients, connectClient, connectError, fresh, TestClient } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';
import { sleep, waitFor } from '../support/wait-for.js';

/** Acks every `message` as it arrives, like a well-behaved consumer. */
function autoAck(client: TestClient): void {
  client.socket.on('message', (m: { id: string }) => client.socket.emit('ack', { id: m.id }));
}

describe('Socket.IO protocol (events)', () => {
  let app: RunningApp;
  let queues: QueueService;

  beforeAll(async () => {
    app = await startApp({ MAX_PAYLOAD_BYTES: '16384' });
    queues = app.app.get(QueueService);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await app.close();
  });

  describe('connecting', () => {
    it('refuses an unknown namespace with a connect error', async () => {
      const error = await connectError(app.url, 'nope');
      expect(error.message).toBe('Invalid namespace');
    });

    it('refuses the main namespace, which is no namespace of the service', async () => {
      const socket = io(app.url, { transports: ['websocket'], forceNew: true, reconnection: false });
      const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
      socket.disconnect();
      expect(error.message).toBe('Invalid namespace');
    });

    it('refuses a client id that is not a valid name', async () => {
      const error = await connectError(app.url, 'events', { clientId: 'not a name!' });
      expect(error.message).toBe('VALIDATION');
      expect(error.data).toEqual({ code: 'VALIDATION', message: expect.stringContaining('clientId') });
    });
  });

  describe('queues', () => {
    it('delivers a published message with the envelope of the contract, and settles it on ack', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events');
      const producer = await connectClient(app.url, 'events');
      expect(await consumer.request('subscribe', { queue })).toEqual({ ok: true, queue });
      const published = await producer.request('publish', { queue, payload: { n: 1 }, headers: { trace: 't1' } });
      expect(published).toEqual({ ok: true, id: expect.any(String) });
      const [m] = await consumer.waitForBodies(1);
      expect(m).toEqual({ id: published.id, queue, payload: { n: 1 }, headers: { trace: 't1' }, attempt: 1, publishedAt: expect.any(String) });
      expect(new Date(m.publishedAt).toISOString()).toBe(m.publishedAt);
      expect(await consumer.request('ack', { id: m.id })).toEqual({ ok: true });
      expect(await consumer.request('ack', { id: m.id })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });
      expect((await queues.stats('events', queue))?.acked).toBe(1);
    });

    it('shares a queue between competing consumers, each message to exactly one', async () => {
      const queue = fresh('q');
      const [a, b, producer] = await Promise.all([connectClient(app.url, 'events'), connectClient(app.url, 'events'), connectClient(app.url, 'events')]);
      for (const c of [a, b]) {
        autoAck(c);
        await c.request('subscribe', { queue, prefetch: 1 });
      }
      for (let i = 0; i < 20; i++) await producer.request('publish', { queue, payload: i });
      await waitFor(() => a.bodies().length + b.bodies().length === 20, '20 deliveries');
      const ids = [...a.bodies(), ...b.bodies()].map((m) => m.payload).sort((x, y) => x - y);
      expect(ids).toEqual([...Array(20).keys()]);
      expect(a.bodies().length).toBeGreaterThan(0);
      expect(b.bodies().length).toBeGreaterThan(0);
    });

    it('respects prefetch: no more unacked messages than asked for', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events');
      await consumer.request('subscribe', { queue, prefetch: 2 });
      for (let i = 0; i < 5; i++) await consumer.request('publish', { queue, payload: i });
      await consumer.waitForBodies(2);
      await sleep(200);
      expect(consumer.bodies().map((m) => m.payload)).toEqual([0, 1]);
      await consumer.request('ack', { id: consumer.bodies()[0].id });
      await consumer.waitForBodies(3);
      await sleep(100);
      expect(consumer.bodies().map((m) => m.payload)).toEqual([0, 1, 2]);
    });

    it('delivers higher priority first', async () => {
      const queue = fresh('q');
      const producer = await connectClient(app.url, 'events');
      await producer.request('publish', { queue, payload: 'low' });
      await producer.request('publish', { queue, payload: 'high', priority: 9 });
      const consumer = await connectClient(app.url, 'events');
      await consumer.request('subscribe', { queue, prefetch: 1 });
      const [first] = await consumer.waitForBodies(1);
      expect(first.payload).toBe('high');
    });

    it('acks a list of ids, counting only those this socket holds', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events');
      await consumer.request('subscribe', { queue });
      for (let i = 0; i < 3; i++) await consumer.request('publish', { queue, payload: i });
      const held = await consumer.waitForBodies(3);
      const answer = await consumer.request('ack', { ids: [...held.map((m) => m.id), 'not-held', held[0].id] });
      expect(answer).toEqual({ ok: true, acked: 3 });
      expect(await consumer.request('ack', { ids: held.map((m) => m.id) })).toEqual({ ok: true, acked: 0 });
    });

    it('does not let a socket ack a message another socket holds', async () => {
      const queue = fresh('q');
      const holder = await connectClient(app.url, 'events');
      const other = await connectClient(app.url, 'events');
      await holder.request('subscribe', { queue });
      await holder.request('publish', { queue, payload: 'x' });
      const [m] = await holder.waitForBodies(1);
      expect((await other.request('ack', { id: m.id })).error.code).toBe('NOT_FOUND');
      expect(await holder.request('ack', { id: m.id })).toEqual({ ok: true });
    });

    it('nack requeues: the message comes again with attempt 2', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events');
      await consumer.request('subscribe', { queue });
      await consumer.request('publish', { queue, payload: 'again' });
      const [m] = await consumer.waitForBodies(1);
      expect(await consumer.request('nack', { id: m.id })).toEqual({ ok: true });
      const [, again] = await consumer.waitForBodies(2);
      expect(again).toMatchObject({ id: m.id, attempt: 2 });
    });

    it('nack with delayMs holds the message back that long', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events');
      await consumer.request('subscribe', { queue });
      await consumer.request('publish', { queue, payload: 'later' });
      const [m] = await consumer.waitForBodies(1);
      const nackedAt = Date.now();
      await consumer.request('nack', { id: m.id, delayMs: 400 });
      expect((await queues.stats('events', queue))?.delayed).toBe(1);
      await consumer.waitForBodies(2);
      expect(Date.now() - nackedAt).toBeGreaterThanOrEqual(350);
    });

    it('nack with requeue:false dead-letters at once', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events');
      await consumer.request('subscribe', { queue });
      await consumer.request('publish', { queue, payload: 'bad' });
      const [m] = await consumer.waitForBodies(1);
      expect(await consumer.request('nack', { id: m.id, requeue: false })).toEqual({ ok: true });
      expect(await queues.deadLetters('events', queue, 10)).toEqual([expect.objectContaining({ id: m.id, reason: 'rejected' })]);
      expect((await consumer.request('nack', { id: m.id })).error.code).toBe('NOT_FOUND');
    });

    it('a second publish with the same key returns the first id and stores nothing', async () => {
      const queue = fresh('q');
      const producer = await connectClient(app.url, 'events');
      const first = await producer.request('publish', { queue, payload: 1, key: 'order-1' });
      const second = await producer.request('publish', { queue, payload: 2, key: 'order-1' });
      expect(second).toEqual({ ok: true, id: first.id, duplicate: true });
      expect((await queues.stats('events', queue))?.ready).toBe(1);
    });

    it('publishBatch stores all messages, or none when one is invalid', async () => {
      const queue = fresh('q');
      const producer = await connectClient(app.url, 'events');
      const bad = await producer.request('publishBatch', { queue, messages: [{ payload: 1 }, { payload: 2, priority: 42 }] });
      expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      expect(bad.error.details).toEqual([expect.objectContaining({ field: 'messages.1.priority' })]);
      expect(await queues.stats('events', queue)).toBeNull();
      const good = await producer.request('publishBatch', { queue, messages: [{ payload: 1 }, { payload: 2 }] });
      expect(good).toEqual({ ok: true, ids: [expect.any(String), expect.any(String)] });
      expect((await queues.stats('events', queue))?.ready).toBe(2);
    });

    it('unsubscribe makes what the socket held ready again for other consumers', async () => {
      const queue = fresh('q');
      const first = await connectClient(app.url, 'events');
      await first.request('subscribe', { queue });
      await first.request('publish', { queue, payload: 'handed on' });
      await first.waitForBodies(1);
      const second = await connectClient(app.url, 'events');
      await second.request('subscribe', { queue });
      expect(await first.request('unsubscribe', { queue })).toEqual({ ok: true, queue });
      const [m] = await second.waitForBodies(1);
      expect(m).toMatchObject({ payload: 'handed on', attempt: 2 });
    });

    it('a consumer that disconnects hands its messages to another', async () => {
      const queue = fresh('q');
      const first = await connectClient(app.url, 'events');
      await first.request('subscribe', { queue });
      await first.request('publish', { queue, payload: 'orphan' });
      await first.waitForBodies(1);
      const second = await connectClient(app.url, 'events');
      await second.request('subscribe', { queue });
      first.close();
      const [m] = await second.waitForBodies(1);
      expect(m).toMatchObject({ payload: 'orphan', attempt: 2 });
    });

    it('getAll sends again what a client id holds, as a new attempt', async () => {
      const queue = fresh('q');
      const consumer = await connectClient(app.url, 'events', { clientId: fresh('worker') });
      await consumer.request('subscribe', { queue });
      await consumer.request('publish', { queue, payload: 'x' });
      await consumer.waitForBodies(1);
      expect(await consumer.request('getAll', {})).toEqual({ ok: true, count: 1 });
      const [, again] = await consumer.waitForBodies(2);
      expect(again).toMatchObject({ payload: 'x', attempt: 2 });
    });
  });

  describe('rooms', () => {
    it('counts durable members and connected anonymous sockets as recipients', async () => {
      const room = fresh('room');
      const durable = await connectClient(app.url, 'events', { clientId: fresh('member') });
      const anonymous = await connectClient(app.url, 'events');
      expect(await durable.request('join', { room })).toEqual({ ok: true, room });
      expect(await anonymous.request('joinRoom', room)).toEqual({ ok: true, room });
      const producer = await connectClient(app.url, 'events');
      const published = await producer.request('publish', { room, payload: { hello: 'room' } });
      expect(published).toEqual({ ok: true, id: expect.any(String), recipients: 2 });
      for (const c of [durable, anonymous]) {
        const [m] = await c.waitForBodies(1);
        expect(m).toMatchObject({ id: published.id, room, payload: { hello: 'room' }, attempt: 1 });
      }
      expect(await durable.request('ack', { id: published.id })).toEqual({ ok: true });
      expect(await anonymous.request('received', { id: published.id })).toEqual({ ok: true });
    });

    it('keeps a durable member\'s copies while it is offline and replays them when it reconnects', async () => {
      const room = fresh('room');
      const clientId = fresh('member');
      const member = await connectClient(app.url, 'events', { clientId });
      await member.request('join', { room });
      member.close();
      const producer = await connectClient(app.url, 'events');
      expect((await producer.request('publish', { room, payload: 1 })).recipients).toBe(1);
      await producer.request('publish', { room, payload: 2 });

      const back = await connectClient(app.url, 'events', { clientId });
      const replayed = await back.waitForBodies(2);
      expect(replayed.map((m) => m.payload)).toEqual([1, 2]);
      expect(await back.request('ack', { ids: replayed.map((m) => m.id) })).toEqual({ ok: true, acked: 2 });
      back.close();

      const again = await connectClient(app.url, 'events', { clientId });
      await sleep(300);
      expect(again.bodies()).toEqual([]);
    });

    it('sends a durable member\'s copy to every socket of the client id; one ack settles it', async () => {
      const room = fresh('room');
      const clientId = fresh('member');
      const one = await connectClient(app.url, 'events', { clientId });
      const two = await connectClient(app.url, 'events', { clientId });
      await one.request('join', { room });
      const producer = await connectClient(app.url, 'events');
      const { id } = await producer.request('publish', { room, payload: 'both' });
      await one.waitForBodies(1);
      await two.waitForBodies(1);
      expect(await two.request('ack', { id })).toEqual({ ok: true });
      expect((await one.request('ack', { id })).error.code).toBe('NOT_FOUND');
    });

    it('leave ends a durable membership', async () => {
      const room = fresh('room');
      const member = await connectClient(app.url, 'events', { clientId: fresh('member') });
      await member.request('join', { room });
      expect(await member.request('leave', { room })).toEqual({ ok: true, room });
      const producer = await connectClient(app.url, 'events');
      expect((await producer.request('publish', { room, payload: 'gone' })).recipients).toBe(0);
    });

    it('a room publish with a known key is a duplicate with no recipients', async () => {
      const room = fresh('room');
      const member = await connectClient(app.url, 'events', { clientId: fresh('member') });
      await member.request('join', { room });
      const first = await member.request('publish', { room, payload: 1, key: 'k' });
      expect(await member.request('publish', { room, payload: 1, key: 'k' })).toEqual({ ok: true, id: first.id, recipients: 0, duplicate: true });
    });

    it('nack of a durable copy sends it again to the same client id', async () => {
      const room = fresh('room');
      const member = await connectClient(app.url, 'events', { clientId: fresh('member') });
      await member.request('join', { room });
      const { id } = await member.request('publish', { room, payload: 'retry' });
      await member.waitForBodies(1);
      expect(await member.request('nack', { id })).toEqual({ ok: true });
      const [, again] = await member.waitForBodies(2);
      expect(again).toMatchObject({ id, attempt: 2 });
    });

    it('joins the reserved room $alarms', async () => {
      const watcher = await connectClient(app.url, 'events');
      expect(await watcher.request('join', { room: '$alarms' })).toEqual({ ok: true, room: '$alarms' });
      expect(await watcher.request('leave', { room: '$alarms' })).toEqual({ ok: true, room: '$alarms' });
    });
  });

  describe('errors', () => {
    it('answers an unknown event NOT_FOUND', async () => {
      const client = await connectClient(app.url, 'events');
      expect(await client.request('frobnicate', { x: 1 })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'unknown event frobnicate' } });
    });

    it('answers an event over MAX_PAYLOAD_BYTES PAYLOAD_TOO_LARGE and keeps the connection', async () => {
      const queue = fresh('q');
      const client = await connectClient(app.url, 'events');
      const answer = await client.request('publish', { queue, payload: 'x'.repeat(20000) });
      expect(answer).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
      expect(client.socket.connected).toBe(true);
      expect(await client.request('publish', { queue, payload: 'small' })).toMatchObject({ ok: true });
      expect((await queues.stats('events', queue))?.published).toBe(1);
    });

    it('counts the whole event: a batch must fit in MAX_PAYLOAD_BYTES', async () => {
      const client = await connectClient(app.url, 'events');
      const messages = Array.from({ length: 10 }, () => ({ payload: 'y'.repeat(2000) }));
      expect((await client.request('publishBatch', { queue: fresh('q'), messages })).error.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });
});
