import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RunningApp, startApp } from '../support/start-app.js';

/**
 * Bad requests (contract §4): each answers its status in Nest's error shape, names what is wrong, and
 * stores nothing. "Nothing stored" is checked on the whole service: every queue's `published` total and
 * every room of both namespaces are the same after the request as before it.
 */
const NS = 'events';
const LIMIT = 1048576;

interface BadRequest {
  name: string;
  method: 'get' | 'post' | 'delete';
  /** `{q}` / `{r}` stand for a fresh queue / room name. */
  path: string;
  /** An object is sent as JSON; a string is sent as it is, as application/json unless `type` says otherwise. */
  body?: unknown;
  type?: string;
  headers?: Record<string, string>;
  status: number;
  /** Text the error's `message` must contain. */
  says: string;
}

const q = '/api/namespaces/events/queues/{q}';
const r = '/api/namespaces/events/rooms/{r}';
const many = (n: number, make: (i: number) => unknown = (i) => ({ payload: i })) => Array.from({ length: n }, (_, i) => make(i));

const BAD_REQUESTS: BadRequest[] = [
  // Bodies that are not a message.
  { name: 'truncated JSON', method: 'post', path: `${q}/messages`, body: '{"payload":', status: 400, says: 'JSON' },
  { name: 'JSON with a trailing comma', method: 'post', path: `${q}/messages`, body: '{"payload":1,}', status: 400, says: 'JSON' },
  { name: 'a bare JSON string', method: 'post', path: `${q}/messages`, body: '"hello"', status: 400, says: '' },
  { name: 'a JSON array', method: 'post', path: `${q}/messages`, body: '[{"payload":1}]', status: 400, says: 'body must be a message' },
  { name: 'an empty object', method: 'post', path: `${q}/messages`, body: {}, status: 400, says: 'payload is required' },
  { name: 'options without a payload', method: 'post', path: `${q}/messages`, body: { priority: 1 }, status: 400, says: 'payload is required' },
  { name: 'a text/plain body', method: 'post', path: `${q}/messages`, body: '{"payload":1}', type: 'text/plain', status: 415, says: 'Content-Type: application/json' },
  { name: 'a form post', method: 'post', path: `${q}/messages`, body: 'payload=1', type: 'application/x-www-form-urlencoded', status: 415, says: 'Content-Type: application/json' },
  { name: 'an unknown field', method: 'post', path: `${q}/messages`, body: { payload: 1, colour: 'red' }, status: 400, says: 'property colour should not exist' },
  { name: 'two unknown fields', method: 'post', path: `${q}/messages`, body: { payload: 1, a: 1, b: 2 }, status: 400, says: 'property b should not exist' },
  // Bad options.
  { name: 'priority 10', method: 'post', path: `${q}/messages`, body: { payload: 1, priority: 10 }, status: 400, says: 'priority must not be greater than 9' },
  { name: 'priority -1', method: 'post', path: `${q}/messages`, body: { payload: 1, priority: -1 }, status: 400, says: 'priority must not be less than 0' },
  { name: 'priority 1.5', method: 'post', path: `${q}/messages`, body: { payload: 1, priority: 1.5 }, status: 400, says: 'priority must be an integer' },
  { name: 'priority as a string', method: 'post', path: `${q}/messages`, body: { payload: 1, priority: '5' }, status: 400, says: 'priority must be an integer' },
  { name: 'priority null', method: 'post', path: `${q}/messages`, body: { payload: 1, priority: null }, status: 400, says: 'priority must be an integer' },
  { name: 'a negative delay', method: 'post', path: `${q}/messages`, body: { payload: 1, delayMs: -1 }, status: 400, says: 'delayMs must not be less than 0' },
  { name: 'a delay as text', method: 'post', path: `${q}/messages`, body: { payload: 1, delayMs: 'soon' }, status: 400, says: 'delayMs must be an integer' },
  { name: 'ttlMs 0', method: 'post', path: `${q}/messages`, body: { payload: 1, ttlMs: 0 }, status: 400, says: 'ttlMs must not be less than 1' },
  { name: 'an empty key', method: 'post', path: `${q}/messages`, body: { payload: 1, key: '' }, status: 400, says: 'key must be longer than or equal to 1' },
  { name: 'a 257-character key', method: 'post', path: `${q}/messages`, body: { payload: 1, key: 'k'.repeat(257) }, status: 400, says: 'key must be shorter than or equal to 256' },
  { name: 'a numeric key', method: 'post', path: `${q}/messages`, body: { payload: 1, key: 42 }, status: 400, says: 'key must be a string' },
  { name: 'a header that is not a string', method: 'post', path: `${q}/messages`, body: { payload: 1, headers: { a: 1 } }, status: 400, says: 'headers must be an object whose values are strings' },
  { name: 'headers as an array', method: 'post', path: `${q}/messages`, body: { payload: 1, headers: ['a'] }, status: 400, says: 'headers must be an object' },
  { name: 'an empty Idempotency-Key', method: 'post', path: `${q}/messages`, body: { payload: 1 }, headers: { 'Idempotency-Key': '' }, status: 400, says: 'Idempotency-Key' },
  { name: 'a 257-character Idempotency-Key', method: 'post', path: `${q}/messages`, body: { payload: 1 }, headers: { 'Idempotency-Key': 'h'.repeat(257) }, status: 400, says: 'Idempotency-Key must be 1 to 256' },
  // Bad batches.
  { name: 'an empty batch', method: 'post', path: `${q}/messages`, body: { messages: [] }, status: 400, says: 'messages must contain at least 1 elements' },
  { name: 'a 1,001-message batch', method: 'post', path: `${q}/messages`, body: { messages: many(1001) }, status: 400, says: 'messages must contain no more than 1000 elements' },
  { name: 'messages that is not a list', method: 'post', path: `${q}/messages`, body: { messages: 'x' }, status: 400, says: 'messages must be an array' },
  { name: 'a batch item that is not an object', method: 'post', path: `${q}/messages`, body: { messages: [{ payload: 1 }, 2] }, status: 400, says: 'messages.1 must be an object' },
  { name: 'a batch item with an unknown field', method: 'post', path: `${q}/messages`, body: { messages: [{ payload: 1 }, { payload: 2, x: 1 }] }, status: 400, says: 'messages.1.property x should not exist' },
  { name: 'a batch item without payload', method: 'post', path: `${q}/messages`, body: { messages: [{ payload: 1 }, { key: 'k' }] }, status: 400, says: 'messages.1.payload is required' },
  { name: 'a batch with a payload beside it', method: 'post', path: `${q}/messages`, body: { messages: [{ payload: 1 }], payload: 2 }, status: 400, says: 'property payload should not exist' },
  { name: 'one bad item at the end of 1,000', method: 'post', path: `${q}/messages`, body: { messages: [...many(999), { payload: 1, delayMs: -5 }] }, status: 400, says: 'messages.999.delayMs' },
  // Too large.
  { name: 'a body over MAX_PAYLOAD_BYTES', method: 'post', path: `${q}/messages`, body: { payload: 'x'.repeat(LIMIT) }, status: 413, says: 'too large' },
  { name: 'a batch over MAX_PAYLOAD_BYTES', method: 'post', path: `${q}/messages`, body: { messages: many(1000, () => ({ payload: 'y'.repeat(1100) })) }, status: 413, says: 'too large' },
  { name: 'a room message over MAX_PAYLOAD_BYTES', method: 'post', path: `${r}/messages`, body: { payload: 'x'.repeat(LIMIT) }, status: 413, says: 'too large' },
  // Bad names and namespaces.
  { name: 'a queue name with a space', method: 'post', path: '/api/namespaces/events/queues/bad%20name/messages', body: { payload: 1 }, status: 400, says: 'queue must match' },
  { name: 'a 129-character queue name', method: 'post', path: `/api/namespaces/events/queues/${'q'.repeat(129)}/messages`, body: { payload: 1 }, status: 400, says: 'queue must match' },
  { name: 'a queue name with a slash', method: 'post', path: '/api/namespaces/events/queues/a%2Fb/messages', body: { payload: 1 }, status: 400, says: 'queue must match' },
  { name: 'the reserved $alarms room', method: 'post', path: '/api/namespaces/events/rooms/%24alarms/messages', body: { payload: 1 }, status: 400, says: 'room must match' },
  { name: 'a room name with a star', method: 'post', path: '/api/namespaces/events/rooms/a*b/messages', body: { payload: 1 }, status: 400, says: 'room must match' },
  { name: 'an unknown namespace (publish)', method: 'post', path: '/api/namespaces/nope/queues/{q}/messages', body: { payload: 1 }, status: 404, says: 'unknown namespace nope' },
  { name: 'an unknown namespace (room publish)', method: 'post', path: '/api/namespaces/nope/rooms/{r}/messages', body: { payload: 1 }, status: 404, says: 'unknown namespace nope' },
  { name: 'an unknown namespace (queue list)', method: 'get', path: '/api/namespaces/nope/queues', status: 404, says: 'unknown namespace nope' },
  { name: 'an unknown namespace (room list)', method: 'get', path: '/api/namespaces/Caps/rooms', status: 404, says: 'unknown namespace Caps' },
  { name: 'an unknown namespace (redrive)', method: 'post', path: '/api/namespaces/nope/queues/{q}/dead-letters/redrive', status: 404, says: 'unknown namespace' },
  { name: 'an unknown namespace (purge)', method: 'delete', path: '/api/namespaces/nope/queues/{q}/messages', status: 404, says: 'unknown namespace' },
  { name: 'a bad queue name (purge)', method: 'delete', path: '/api/namespaces/events/queues/a%20b/messages', status: 400, says: 'queue must match' },
  { name: 'a queue never used', method: 'get', path: q, status: 404, says: 'does not exist' },
  // Room bodies follow the message rules; a batch is a queue feature.
  { name: 'a room message with an unknown field', method: 'post', path: `${r}/messages`, body: { payload: 1, to: 'all' }, status: 400, says: 'property to should not exist' },
  { name: 'a batch sent to a room', method: 'post', path: `${r}/messages`, body: { messages: [{ payload: 1 }] }, status: 400, says: 'property messages should not exist' },
  { name: 'a room message with priority 10', method: 'post', path: `${r}/messages`, body: { payload: 1, priority: 10 }, status: 400, says: 'priority must not be greater than 9' },
  // Bad dead-letter limits.
  { name: 'limit=0', method: 'get', path: `${q}/dead-letters?limit=0`, status: 400, says: 'limit must be an integer from 1 to 1000' },
  { name: 'limit=1001', method: 'get', path: `${q}/dead-letters?limit=1001`, status: 400, says: 'limit must be an integer from 1 to 1000' },
  { name: 'limit=abc', method: 'get', path: `${q}/dead-letters?limit=abc`, status: 400, says: 'limit' },
  { name: 'limit=1e2', method: 'get', path: `${q}/dead-letters?limit=1e2`, status: 400, says: 'limit' },
  { name: 'an empty limit', method: 'get', path: `${r}/dead-letters?limit=`, status: 400, says: 'limit' },
  { name: 'limit given twice', method: 'get', path: `${r}/dead-letters?limit=1&limit=2`, status: 400, says: 'limit' },
];

describe('REST API: bad requests', () => {
  let sut: RunningApp;
  const api = () => request(sut.url);

  /** Everything the service holds that a request could have changed. */
  async function stored(): Promise<unknown> {
    const out: Record<string, unknown> = {};
    for (const ns of ['caps', 'events']) {
      const queues = (await api().get(`/api/namespaces/${ns}/queues`).expect(200)).body as { name: string; published: number; ready: number; delayed: number }[];
      const rooms = (await api().get(`/api/namespaces/${ns}/rooms`).expect(200)).body as { name: string }[];
      out[ns] = {
        queues: queues.map((s) => `${s.name}:${s.published}:${s.ready}:${s.delayed}`).sort(),
        rooms: rooms.map((room) => room.name).sort(),
      };
    }
    return out;
  }

  beforeAll(async () => {
    sut = await startApp();
    // Something already stored, so "nothing changed" is checked against a non-empty service.
    await api().post(`/api/namespaces/${NS}/queues/existing/messages`).send({ payload: 1 }).expect(201);
    await api().post(`/api/namespaces/${NS}/rooms/existing/messages`).send({ payload: 1 }).expect(201);
  });

  afterAll(async () => {
    await sut.close();
  });

  it('has at least 30 cases', () => {
    expect(BAD_REQUESTS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_REQUESTS)('answers $status to $name and stores nothing', async (bad) => {
    const path = bad.path.replace('{q}', `q-${randomUUID().slice(0, 8)}`).replace('{r}', `r-${randomUUID().slice(0, 8)}`);
    const before = await stored();

    let req = api()[bad.method](path);
    for (const [name, value] of Object.entries(bad.headers ?? {})) req = req.set(name, value);
    if (bad.body !== undefined) {
      req = req.set('content-type', bad.type ?? 'application/json').send(typeof bad.body === 'string' ? bad.body : JSON.stringify(bad.body));
    }
    const res = await req;

    expect(res.status).toBe(bad.status);
    expect(res.body).toEqual({ statusCode: bad.status, error: expect.any(String), message: expect.anything() });
    expect(JSON.stringify(res.body.message)).toContain(bad.says);
    expect(await stored()).toEqual(before);
  });

  it('lists every problem of a body, field by field', async () => {
    const res = await api()
      .post(`/api/namespaces/${NS}/queues/fields/messages`)
      .send({ priority: 10, delayMs: -1, colour: 'red' })
      .expect(400);
    expect(res.body.message).toEqual(
      expect.arrayContaining(['property colour should not exist', 'payload is required', 'priority must not be greater than 9', 'delayMs must not be less than 0']),
    );
  });

  it('never answers with a stack trace', async () => {
    const res = await api().post(`/api/namespaces/${NS}/queues/stack/messages`).set('content-type', 'application/json').send('{"payload":').expect(400);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});
