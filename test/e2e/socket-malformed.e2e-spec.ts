import { QueueService } from '../../src/queue/queue.service.js';
import { closeAllClients, connectClient, fresh } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';
import { sleep, waitFor } from '../support/wait-for.js';

/** Nested `depth` levels deep: `{ a: { a: ... } }`. */
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Every case targets the queue or room `victim`, so the test can check nothing was stored. */
const victim = fresh('victim');

const CASES: [name: string, event: string, args: unknown[], code: string][] = [
  ['join with a number', 'join', [42], 'VALIDATION'],
  ['join without a room', 'join', [{}], 'VALIDATION'],
  ['join with a bad room name', 'join', [{ room: 'no spaces allowed' }], 'VALIDATION'],
  ['join with a 129-character room name', 'join', [{ room: 'r'.repeat(129) }], 'VALIDATION'],
  ['join with null', 'join', [null], 'VALIDATION'],
  ['join with an array', 'join', [[victim]], 'VALIDATION'],
  ['join with two arguments', 'join', [victim, victim], 'VALIDATION'],
  ['leave with a number as room', 'leave', [{ room: 5 }], 'VALIDATION'],
  ['subscribe without a queue', 'subscribe', [{}], 'VALIDATION'],
  ['subscribe with prefetch 0', 'subscribe', [{ queue: victim, prefetch: 0 }], 'VALIDATION'],
  ['subscribe with prefetch 1001', 'subscribe', [{ queue: victim, prefetch: 1001 }], 'VALIDATION'],
  ['subscribe with a fractional prefetch', 'subscribe', [{ queue: victim, prefetch: 1.5 }], 'VALIDATION'],
  ['subscribe with prefetch as a string', 'subscribe', [{ queue: victim, prefetch: '10' }], 'VALIDATION'],
  ['unsubscribe with an empty queue', 'unsubscribe', [{ queue: '' }], 'VALIDATION'],
  ['publish to neither queue nor room', 'publish', [{ payload: 1 }], 'VALIDATION'],
  ['publish to both queue and room', 'publish', [{ queue: victim, room: victim, payload: 1 }], 'VALIDATION'],
  ['publish without a payload', 'publish', [{ queue: victim }], 'VALIDATION'],
  ['publish with an unknown field', 'publish', [{ queue: victim, payload: 1, colour: 'red' }], 'VALIDATION'],
  ['publish with priority 10', 'publish', [{ queue: victim, payload: 1, priority: 10 }], 'VALIDATION'],
  ['publish with a negative delay', 'publish', [{ queue: victim, payload: 1, delayMs: -1 }], 'VALIDATION'],
  ['publish with ttlMs 0', 'publish', [{ queue: victim, payload: 1, ttlMs: 0 }], 'VALIDATION'],
  ['publish with an empty key', 'publish', [{ queue: victim, payload: 1, key: '' }], 'VALIDATION'],
  ['publish with a non-string header', 'publish', [{ queue: victim, payload: 1, headers: { n: 1 } }], 'VALIDATION'],
  ['publish with headers as a string', 'publish', [{ queue: victim, payload: 1, headers: 'h' }], 'VALIDATION'],
  ['publish to a bad queue name', 'publish', [{ queue: 'a/b', payload: 1 }], 'VALIDATION'],
  ['publish with a bare string', 'publish', ['hello'], 'VALIDATION'],
  ['publish with a binary payload', 'publish', [{ queue: victim, payload: Buffer.from('binary') }], 'VALIDATION'],
  ['publish nested 100 levels deep', 'publish', [{ queue: victim, payload: nested(100) }], 'VALIDATION'],
  ['publishBatch with no messages', 'publishBatch', [{ queue: victim, messages: [] }], 'VALIDATION'],
  ['publishBatch with messages as a string', 'publishBatch', [{ queue: victim, messages: 'x' }], 'VALIDATION'],
  ['publishBatch with an unknown field in a message', 'publishBatch', [{ queue: victim, messages: [{ payload: 1 }, { payload: 2, nope: 1 }] }], 'VALIDATION'],
  ['publishBatch with 1001 messages', 'publishBatch', [{ queue: victim, messages: Array.from({ length: 1001 }, () => ({ payload: 0 })) }], 'VALIDATION'],
  ['publishBatch with an unknown top-level field', 'publishBatch', [{ queue: victim, messages: [{ payload: 1 }], extra: 1 }], 'VALIDATION'],
  ['ack without an id', 'ack', [{}], 'VALIDATION'],
  ['ack with a numeric id', 'ack', [{ id: 5 }], 'VALIDATION'],
  ['ack with both id and ids', 'ack', [{ id: 'a', ids: ['b'] }], 'VALIDATION'],
  ['ack with an empty list', 'ack', [{ ids: [] }], 'VALIDATION'],
  ['ack with numbers in the list', 'ack', [{ ids: [1, 2] }], 'VALIDATION'],
  ['ack of an id nobody holds', 'ack', [{ id: 'no-such-message' }], 'NOT_FOUND'],
  ['received with a bare string', 'received', ['no-such-message'], 'VALIDATION'],
  ['nack without an id', 'nack', [{}], 'VALIDATION'],
  ['nack with requeue as a string', 'nack', [{ id: 'x', requeue: 'no' }], 'VALIDATION'],
  ['nack with a negative delay', 'nack', [{ id: 'x', delayMs: -5 }], 'VALIDATION'],
  ['nack of an id nobody holds', 'nack', [{ id: 'no-such-message' }], 'NOT_FOUND'],
  ['getAll with a numeric event', 'getAll', [{ event: 5 }], 'VALIDATION'],
  ['an unknown event', 'teleport', [{ queue: victim }], 'NOT_FOUND'],
];

describe('malformed socket events', () => {
  let app: RunningApp;
  let queues: QueueService;

  beforeAll(async () => {
    app = await startApp();
    queues = app.app.get(QueueService);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await app.close();
  });

  it(`answers each of ${CASES.length} malformed events with its code, while another client keeps receiving`, async () => {
    const stream = fresh('steady');
    const watcher = await connectClient(app.url, 'events');
    await watcher.request('subscribe', { queue: stream, prefetch: 1000 });
    const producer = await connectClient(app.url, 'events');
    const attacker = await connectClient(app.url, 'events', { clientId: fresh('attacker') });

    const answers: [string, unknown][] = [];
    for (const [name, event, args, code] of CASES) {
      const answer = await attacker.request(event, ...args);
      answers.push([name, answer]);
      expect([name, answer]).toEqual([name, { ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) }]);
      // The rest of the service goes on between bad events.
      expect(await producer.request('publish', { queue: stream, payload: name })).toMatchObject({ ok: true });
    }

    const received = await watcher.waitForBodies(CASES.length);
    expect(received.map((m) => m.payload)).toEqual(CASES.map(([name]) => name));
    expect(attacker.socket.connected).toBe(true);
    expect(watcher.socket.connected).toBe(true);
    expect(await queues.stats('events', victim)).toBeNull();
  });

  it('lists what is wrong field by field in error.details', async () => {
    const client = await connectClient(app.url, 'events');
    const answer = await client.request('publish', { queue: victim, payload: 1, priority: 'high', delayMs: -1 });
    expect(answer.error.code).toBe('VALIDATION');
    expect(answer.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['delayMs', 'priority']);
  });

  it('survives bad events sent without an acknowledgement callback', async () => {
    const client = await connectClient(app.url, 'events');
    client.socket.emit('publish', { queue: victim, payload: 1, colour: 'red' });
    client.socket.emit('join', 42);
    client.socket.emit('teleport');
    client.socket.emit('ack');
    client.socket.emit('publish', { queue: victim, payload: 'x'.repeat(1_100_000) });
    await sleep(200);
    expect(client.socket.connected).toBe(true);
    expect(await client.request('join', { room: fresh('room') })).toMatchObject({ ok: true });
    expect(await queues.stats('events', victim)).toBeNull();
  });

  it('closes only the connection that sends a frame far over the limit', async () => {
    const bystander = await connectClient(app.url, 'events');
    const flooder = await connectClient(app.url, 'events');
    flooder.socket.emit('publish', { queue: victim, payload: 'z'.repeat(3_500_000) });
    await waitFor(() => !flooder.socket.connected, 'the flooder to be disconnected');
    expect(bystander.socket.connected).toBe(true);
    expect(await bystander.request('join', { room: fresh('room') })).toMatchObject({ ok: true });
  });

  it('accepts payloads that only look odd: null, strings, arrays, unicode', async () => {
    const queue = fresh('odd');
    const client = await connectClient(app.url, 'events');
    await client.request('subscribe', { queue });
    const payloads = [null, 'text', [1, 'two', { three: 3 }], { emoji: '📦', rtl: 'مرحبا' }, 0, false];
    for (const payload of payloads) expect(await client.request('publish', { queue, payload })).toMatchObject({ ok: true });
    const received = await client.waitForBodies(payloads.length);
    expect(received.map((m) => m.payload)).toEqual(payloads);
  });
});
