import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { RawHttp, rawExchange, RawResponse } from '../support/raw-http.js';
import { RunningApp, startApp } from '../support/start-app.js';
import { sleep } from '../support/wait-for.js';

/**
 * Regression tests for the validation gaps of issue 11 (defects 5, 6 and 8), written to the contract
 * (§2 names, §3 socket rules, §4 REST rules). Each request is one the contract refuses; each test also
 * checks that the refusal stored nothing.
 */

/** Names that live on Object.prototype (or set it): a validator that looks fields up on a plain object misses them. */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty'] as const;
/** JSON text for the value of such a field: a number, and an object (which `__proto__` would make the prototype). */
const PROTOTYPE_VALUES = ['1', '{"polluted":true}'] as const;
const OPTIONAL_FIELDS = ['key', 'delayMs', 'priority', 'ttlMs', 'headers'] as const;
const NS = 'events';
const JSON_TYPE = { 'content-type': 'application/json' };

/** `{"a":{"a":…"leaf"…}}`, `levels` objects deep, as JSON text (built as text: no recursion anywhere). */
function nestedText(levels: number, leaf = '"leaf"', container: 'object' | 'array' = 'object'): string {
  const [open, close] = container === 'object' ? ['{"a":', '}'] : ['[', ']'];
  return open.repeat(levels) + leaf + close.repeat(levels);
}

/** The same as a value, for socket events. */
function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/**
 * Levels of an event's arguments the way src/gateways/inbound-event.ts counts them: the argument list is
 * level 1, each object or array inside one more. The socket refuses an event deeper than 64.
 */
function eventLevels(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, level] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, level);
    for (const child of Object.values(v)) stack.push([child, level + 1]);
  }
  return deepest;
}

/** `message` of a Nest error body as one string (it is a list for validation errors). */
function messageOf(res: RawResponse): string {
  const message = (res.json as { message?: unknown } | undefined)?.message;
  return Array.isArray(message) ? message.join('; ') : String(message);
}

function expectNestError(res: RawResponse, status: number): void {
  expect({ status: res.status, body: res.json }).toEqual({
    status,
    body: { statusCode: status, error: expect.any(String), message: expect.anything() },
  });
}

describe('validation gaps (issue 11)', () => {
  let sut: RunningApp;
  let http: RawHttp;
  let port: number;

  const post = (path: string, body: string, headers: Record<string, string> = JSON_TYPE) => http.send({ method: 'POST', path, headers, body });
  const get = (path: string) => http.send({ method: 'GET', path });
  const queuePath = (queue: string) => `/api/namespaces/${NS}/queues/${queue}`;
  const roomPath = (room: string) => `/api/namespaces/${NS}/rooms/${room}`;

  /** Every queue (name and published total) and room of both namespaces: what a refused request must leave alone. */
  async function stored(): Promise<unknown> {
    const out: Record<string, unknown> = {};
    for (const ns of ['caps', 'events']) {
      const queues = (await get(`/api/namespaces/${ns}/queues`)).json as { name: string; published: number; ready: number; delayed: number }[];
      const rooms = (await get(`/api/namespaces/${ns}/rooms`)).json as { name: string; members: number }[];
      out[ns] = {
        queues: queues.map((q) => `${q.name}:${q.published}:${q.ready}:${q.delayed}`).sort(),
        rooms: rooms.map((r) => `${r.name}:${r.members}`).sort(),
      };
    }
    return out;
  }

  /** A durable member of a fresh room: a room publish that is wrongly accepted would reach it. */
  async function watchedRoom(): Promise<{ room: string; member: TestClient }> {
    const room = fresh('watched');
    const member = await connectClient(sut.url, NS, { clientId: fresh('member') });
    expect(await member.request('join', { room })).toMatchObject({ ok: true });
    return { room, member };
  }

  beforeAll(async () => {
    sut = await startApp();
    http = new RawHttp(sut.url);
    port = Number(new URL(sut.url).port);
    // Something stored already, so "nothing changed" is checked against a service that holds data.
    expect((await post(`${queuePath('existing')}/messages`, '{"payload":1}')).status).toBe(201);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    http?.close();
    await sut?.close();
  });

  describe('defect 5: fields named after Object.prototype members are unknown fields like any other', () => {
    const cases = PROTOTYPE_NAMES.flatMap((name) => PROTOTYPE_VALUES.map((value) => [name, value] as const));

    it.each(cases)('defect 5: REST queue publish with a field %s (value %s) answers 400 naming it and stores nothing', async (name, value) => {
      const queue = fresh('proto');
      const res = await post(`${queuePath(queue)}/messages`, `{"payload":1,"${name}":${value}}`);
      expectNestError(res, 400);
      expect(messageOf(res)).toContain(name);
      expect((await get(queuePath(queue))).status).toBe(404);
    });

    it.each(cases)('defect 5: REST room publish with a field %s (value %s) answers 400 naming it and stores nothing', async (name, value) => {
      const { room, member } = await watchedRoom();
      const before = await stored();
      const res = await post(`${roomPath(room)}/messages`, `{"payload":1,"${name}":${value}}`);
      expectNestError(res, 400);
      expect(messageOf(res)).toContain(name);
      await sleep(100);
      expect(member.bodies()).toEqual([]);
      expect(await stored()).toEqual(before);
    });

    it.each(cases)('defect 5: REST batch element with a field %s (value %s) answers 400 naming it and stores nothing', async (name, value) => {
      const queue = fresh('proto');
      const res = await post(`${queuePath(queue)}/messages`, `{"messages":[{"payload":1},{"payload":2,"${name}":${value}}]}`);
      expectNestError(res, 400);
      expect(messageOf(res)).toContain(name);
      expect((await get(queuePath(queue))).status).toBe(404);
    });

    it.each(cases)('defect 5: socket publish (queue and room) with a field %s (value %s) answers VALIDATION and stores nothing', async (name, value) => {
      const queue = fresh('proto');
      const { room, member } = await watchedRoom();
      const producer = await connectClient(sut.url, NS);
      // JSON.parse makes `__proto__` an own field, as the socket.io parser does with what arrives.
      const toQueue = JSON.parse(`{"queue":"${queue}","payload":1,"${name}":${value}}`);
      const toRoom = JSON.parse(`{"room":"${room}","payload":1,"${name}":${value}}`);
      expect(Object.keys(toQueue)).toContain(name);
      expect(await producer.request('publish', toQueue)).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
      expect(await producer.request('publish', toRoom)).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
      expect((await get(queuePath(queue))).status).toBe(404);
      await sleep(100);
      expect(member.bodies()).toEqual([]);
    });

    it.each(cases)('defect 5: socket publishBatch element with a field %s (value %s) answers VALIDATION and stores nothing', async (name, value) => {
      const queue = fresh('proto');
      const producer = await connectClient(sut.url, NS);
      const body = JSON.parse(`{"queue":"${queue}","messages":[{"payload":1},{"payload":2,"${name}":${value}}]}`);
      expect(await producer.request('publishBatch', body)).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
      expect((await get(queuePath(queue))).status).toBe(404);
    });

    it('defect 5: inside a payload or headers such names are the producer\'s and arrive exactly as sent (REST queue and room, socket)', async () => {
      const names = PROTOTYPE_NAMES.map((name) => `"${name}":{"kept":"${name}"}`).join(',');
      const headers = PROTOTYPE_NAMES.map((name) => `"${name}":"h-${name}"`).join(',');
      const message = `"payload":{${names},"nested":{${names}}},"headers":{${headers}}`;
      const expected = JSON.parse(`{${message}}`);
      const queue = fresh('kept');
      const { room, member } = await watchedRoom();
      const consumer = await connectClient(sut.url, NS);
      expect(await consumer.request('subscribe', { queue })).toMatchObject({ ok: true });
      const producer = await connectClient(sut.url, NS);

      const sources = new Map<string, string>();
      const restQueue = await post(`${queuePath(queue)}/messages`, `{${message}}`);
      const restRoom = await post(`${roomPath(room)}/messages`, `{${message}}`);
      const socketQueue = await producer.request('publish', JSON.parse(`{"queue":"${queue}",${message}}`));
      const socketRoom = await producer.request('publish', JSON.parse(`{"room":"${room}",${message}}`));
      sources.set((restQueue.json as { id: string }).id, 'REST queue publish');
      sources.set((restRoom.json as { id: string }).id, 'REST room publish');
      sources.set(socketQueue.id, 'socket queue publish');
      sources.set(socketRoom.id, 'socket room publish');

      // Compared as JSON text: an own `__proto__` field is an ordinary key there.
      const asSent = JSON.stringify([expected.payload, expected.headers]);
      const received = [...(await consumer.waitForBodies(2)), ...(await member.waitForBodies(2))];
      const delivered = received.map((r) => [sources.get(r.id) ?? r.id, JSON.stringify([r.payload, r.headers])]).sort();
      expect(delivered).toEqual([...sources.values()].map((source) => [source, asSent]).sort());
    });

    it('defect 5: none of these requests changed Object.prototype of the server', () => {
      // startApp runs the server in this process, so a polluted prototype would show here.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('defect 6: deeply nested REST bodies answer 400, at the depth the socket side refuses', () => {
    const deepBodies: [string, (levels: number) => string][] = [
      ['payload of nested objects', (n) => `{"payload":${nestedText(n)}}`],
      ['payload of nested arrays', (n) => `{"payload":${nestedText(n, '1', 'array')}}`],
      ['headers', (n) => `{"payload":1,"headers":${nestedText(n)}}`],
      ['a batch element payload', (n) => `{"messages":[{"payload":${nestedText(n)}}]}`],
    ];
    const depths = [5_000, 50_000];
    const cases = deepBodies.flatMap(([what, make]) => depths.map((n) => [what, n, make] as const));

    it.each(cases)('defect 6: a %s nested %i levels deep answers 400 (not 500) and stores nothing', async (_what, levels, make) => {
      const queue = fresh('deep');
      const res = await post(`${queuePath(queue)}/messages`, make(levels));
      expectNestError(res, 400);
      expect((await get(queuePath(queue))).status).toBe(404);
      expect((await get('/health')).status).toBe(200);
    });

    it('defect 6: a room payload nested 5,000 levels deep answers 400 and reaches no member', async () => {
      const { room, member } = await watchedRoom();
      const res = await post(`${roomPath(room)}/messages`, `{"payload":${nestedText(5_000)}}`);
      expectNestError(res, 400);
      await sleep(100);
      expect(member.bodies()).toEqual([]);
    });

    it('defect 6: the same message is accepted at 64 levels and refused at 65 over REST as on a socket', async () => {
      // Levels as the socket counts them: the event's argument list [{ queue, payload }] is level 1, the
      // message level 2, so a 64-level event carries a payload of 62 levels. A REST body is that message.
      const producer = await connectClient(sut.url, NS);
      const at = (levels: number) => levels - 2;
      const socketQueue = fresh('deep-socket');
      expect(eventLevels([{ queue: socketQueue, payload: nested(at(64)) }])).toBe(64);
      expect(await producer.request('publish', { queue: socketQueue, payload: nested(at(64)) })).toMatchObject({ ok: true });
      expect(await producer.request('publish', { queue: socketQueue, payload: nested(at(65)) })).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'VALIDATION' }),
      });

      const queue = fresh('deep-rest');
      expect((await post(`${queuePath(queue)}/messages`, `{"payload":${nestedText(at(64))}}`)).status).toBe(201);
      const refused = await post(`${queuePath(queue)}/messages`, `{"payload":${nestedText(at(65))}}`);
      expectNestError(refused, 400);
      const stats = (await get(queuePath(queue))).json as { published: number };
      expect(stats.published).toBe(1);
    });

    it('defect 6: headers that make the message 65 levels deep answer 400', async () => {
      const queue = fresh('deep-headers');
      expectNestError(await post(`${queuePath(queue)}/messages`, `{"payload":1,"headers":${nestedText(63)}}`), 400);
      expect((await get(queuePath(queue))).status).toBe(404);
    });
  });

  describe('defect 8: limits, nulls, content types, dot names and slow requests', () => {
    const badLimits = ['limit[a]=1', 'limit[]=1', 'limit[a]=1&limit[b]=2', 'limit=0', 'limit=1001', 'limit=abc', 'limit=1.5'];

    it.each(badLimits)('defect 8: GET dead-letters?%s answers 400 on queues and rooms', async (query) => {
      for (const path of [`${queuePath('existing')}/dead-letters?${query}`, `${roomPath('existing')}/dead-letters?${query}`]) {
        const res = await get(path);
        expect([path, res.status]).toEqual([path, 400]);
        expectNestError(res, 400);
        expect(messageOf(res)).toContain('limit');
      }
    });

    it('defect 8: subscribe with prefetch null answers VALIDATION and does not create the queue', async () => {
      const queue = fresh('null-prefetch');
      const consumer = await connectClient(sut.url, NS);
      expect(await consumer.request('subscribe', { queue, prefetch: null })).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) });
      expect((await get(queuePath(queue))).status).toBe(404);
    });

    it.each(OPTIONAL_FIELDS)('defect 8: socket publish with %s null answers VALIDATION and stores nothing (queue, room and batch)', async (field) => {
      const queue = fresh('null-option');
      const { room, member } = await watchedRoom();
      const producer = await connectClient(sut.url, NS);
      const refused = { ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) };
      expect(await producer.request('publish', { queue, payload: 1, [field]: null })).toEqual(refused);
      expect(await producer.request('publish', { room, payload: 1, [field]: null })).toEqual(refused);
      expect(await producer.request('publishBatch', { queue, messages: [{ payload: 1 }, { payload: 2, [field]: null }] })).toEqual(refused);
      expect((await get(queuePath(queue))).status).toBe(404);
      await sleep(100);
      expect(member.bodies()).toEqual([]);
    });

    it.each(OPTIONAL_FIELDS)('defect 8: REST publish with %s null answers 400 and stores nothing', async (field) => {
      const queue = fresh('null-option');
      expectNestError(await post(`${queuePath(queue)}/messages`, JSON.stringify({ payload: 1, [field]: null })), 400);
      expectNestError(await post(`${queuePath(queue)}/messages`, JSON.stringify({ messages: [{ payload: 1, [field]: null }] })), 400);
      expect((await get(queuePath(queue))).status).toBe(404);
    });

    const otherTypes: [string, string][] = [
      ['application/x-www-form-urlencoded', 'payload=1'],
      ['text/plain', '{"payload":1}'],
    ];
    const postRoutes = (queue: string, room: string) => [
      `${queuePath(queue)}/messages`,
      `${roomPath(room)}/messages`,
      `${queuePath(queue)}/dead-letters/redrive`,
      `${roomPath(room)}/dead-letters/redrive`,
    ];

    it.each(otherTypes)('defect 8: a %s body on every POST route answers 415 and stores nothing', async (type, body) => {
      const queue = fresh('typed');
      const { room, member } = await watchedRoom();
      const before = await stored();
      for (const path of postRoutes(queue, room)) {
        const res = await post(path, body, { 'content-type': type });
        expect([path, res.status]).toEqual([path, 415]);
        expectNestError(res, 415);
      }
      expect(await stored()).toEqual(before);
      await sleep(100);
      expect(member.bodies()).toEqual([]);
    });

    describe.each(['.', '..'])('the name %j', (dots) => {
      const refused = { ok: false, error: expect.objectContaining({ code: 'VALIDATION' }) };

      it(`defect 8: socket events naming ${dots} as a queue or room answer VALIDATION and store nothing`, async () => {
        const before = await stored();
        const events = await connectClient(sut.url, NS, { clientId: fresh('dots') });
        const caps = await connectClient(sut.url, 'caps');
        const requests: [TestClient, string, unknown][] = [
          [events, 'join', { room: dots }],
          [events, 'joinRoom', dots],
          [events, 'leave', { room: dots }],
          [events, 'subscribe', { queue: dots }],
          [events, 'unsubscribe', { queue: dots }],
          [events, 'publish', { queue: dots, payload: 1 }],
          [events, 'publish', { room: dots, payload: 1 }],
          [events, 'publishBatch', { queue: dots, messages: [{ payload: 1 }] }],
          [caps, 'join', { room: dots }],
          [caps, 'join', { store: dots }],
          [caps, 'pickup', { store: dots, orderId: 'o-1' }],
          [caps, 'in-transit', { store: dots, orderId: 'o-1' }],
          [caps, 'delivered', { store: dots, orderId: 'o-1' }],
        ];
        for (const [client, event, body] of requests) {
          const answer = await client.request(event, body);
          expect([event, body, answer]).toEqual([event, body, refused]);
        }
        expect(await stored()).toEqual(before);
      });

      const encodings = dots === '.' ? ['%2E', '%2e'] : ['%2E%2E', '%2e%2E', '.%2E'];

      it.each(encodings)(`defect 8: REST routes with ${dots} sent percent-encoded as %s answer 400 and store nothing`, async (segment) => {
        const before = await stored();
        const routes: [string, string, string?][] = [
          ['POST', `${queuePath(segment)}/messages`, '{"payload":1}'],
          ['POST', `${roomPath(segment)}/messages`, '{"payload":1}'],
          ['GET', queuePath(segment)],
          ['GET', `${queuePath(segment)}/dead-letters`],
          ['GET', `${roomPath(segment)}/dead-letters`],
          ['POST', `${queuePath(segment)}/dead-letters/redrive`],
          ['POST', `${roomPath(segment)}/dead-letters/redrive`],
          ['DELETE', `${queuePath(segment)}/messages`],
        ];
        for (const [method, path, body] of routes) {
          const res = await http.send({ method, path, headers: body ? JSON_TYPE : {}, body });
          expect([method, path, res.status]).toEqual([method, path, 400]);
          expect(messageOf(res)).toMatch(/queue|room/);
        }
        expect(await stored()).toEqual(before);
      });

      it(`defect 8: REST publish to ${dots} sent literally (no client rewriting) answers 400 and stores nothing`, async () => {
        const before = await stored();
        for (const path of [`${queuePath(dots)}/messages`, `${roomPath(dots)}/messages`]) {
          const res = await post(path, '{"payload":1}');
          expect([path, res.status]).toEqual([path, 400]);
        }
        expect(await stored()).toEqual(before);
      });

      it(`defect 8: what an HTTP client sends for ${dots} percent-encoded is refused and stores nothing`, async () => {
        // fetch (WHATWG URL) turns %2E into . and drops the segment, so the request reaches another path.
        const before = await stored();
        const encoded = dots.replace(/\./g, '%2E');
        for (const path of [`${queuePath(encoded)}/messages`, `${roomPath(encoded)}/messages`]) {
          const res = await fetch(`${sut.url}${path}`, { method: 'POST', headers: JSON_TYPE, body: '{"payload":1}' });
          expect([path, res.status >= 400 && res.status < 500]).toEqual([path, true]);
          await res.arrayBuffer();
        }
        expect(await stored()).toEqual(before);
      });
    });

    it('defect 8: a Content-Length of 2,000,000,000 with no body sent is answered 413 within 1 s', async () => {
      const head =
        `POST ${queuePath(fresh('huge'))}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        'Content-Length: 2000000000\r\n\r\n';
      const exchange = await rawExchange(port, head, { waitMs: 1_000, stopOnAnswer: true });
      expect(exchange.statusLine).toMatch(/^HTTP\/1\.1 413 /);
      expect(exchange.answeredAfterMs).toBeLessThanOrEqual(1_000);
    });

    it('defect 8: a body sent one byte a second is cut off by the server (408 or closed) within 30 s', async () => {
      const head =
        `POST ${queuePath(fresh('dribble'))}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        'Content-Length: 100000\r\n\r\n{"payload":"';
      const exchange = await rawExchange(port, head, { waitMs: 30_000, trickleEveryMs: 1_000 });
      const cutOff = exchange.closedAfterMs ?? (exchange.statusLine?.includes(' 408 ') ? exchange.answeredAfterMs : null);
      expect({ cutOffWithin30s: cutOff !== null, ...exchange }).toMatchObject({ cutOffWithin30s: true });
    }, 40_000);
  });
});
