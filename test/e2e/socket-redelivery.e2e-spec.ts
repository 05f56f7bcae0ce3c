import { QueueService } from '../../src/queue/queue.service.js';
import { RoomService } from '../../src/rooms/room.service.js';
import { closeAllClients, connectClient, fresh } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';
import { sleep, waitFor } from '../support/wait-for.js';

describe('redelivery over sockets (ACK_TIMEOUT_MS=300, MAX_ATTEMPTS=3)', () => {
  let app: RunningApp;
  let queues: QueueService;

  beforeAll(async () => {
    app = await startApp({ ACK_TIMEOUT_MS: '300', MAX_ATTEMPTS: '3' });
    queues = app.app.get(QueueService);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await app.close();
  });

  it('delivers a message again with attempt 2 when it is not acked in time', async () => {
    const queue = fresh('q');
    const consumer = await connectClient(app.url, 'events');
    await consumer.request('subscribe', { queue });
    await consumer.request('publish', { queue, payload: 'slow' });
    const [first, second] = await consumer.waitForBodies(2);
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    expect(second.id).toBe(first.id);
    expect(await consumer.request('ack', { id: second.id })).toEqual({ ok: true });
  });

  it('dead-letters a message after MAX_ATTEMPTS deliveries without an ack', async () => {
    const queue = fresh('q');
    const consumer = await connectClient(app.url, 'events');
    await consumer.request('subscribe', { queue });
    const { id } = await consumer.request('publish', { queue, payload: 'poison' });
    const deliveries = await consumer.waitForBodies(3);
    expect(deliveries.map((m) => m.attempt)).toEqual([1, 2, 3]);
    await waitFor(async () => (await queues.deadLetters('events', queue, 10)).length === 1, 'the dead letter');
    expect(await queues.deadLetters('events', queue, 10)).toEqual([expect.objectContaining({ id, reason: 'max-attempts', attempts: 3 })]);
    await sleep(700);
    expect(consumer.bodies()).toHaveLength(3);
  });

  it('sends a durable member\'s unacked copy again to the same client id', async () => {
    const room = fresh('room');
    const member = await connectClient(app.url, 'events', { clientId: fresh('member') });
    await member.request('join', { room });
    const { id } = await member.request('publish', { room, payload: 'copy' });
    const [first, second] = await member.waitForBodies(2);
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    expect(second).toMatchObject({ id, room });
    expect(await member.request('ack', { id })).toEqual({ ok: true });
    await sleep(700);
    expect(member.bodies()).toHaveLength(2);
    expect(await app.app.get(RoomService).deadLetters('events', room, 10)).toEqual([]);
  });
});
