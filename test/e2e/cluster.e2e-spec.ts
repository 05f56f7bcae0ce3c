import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { connectTestRedis, CourierNode, deleteByPrefix, ensureBuilt, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { sleep, waitFor } from '../support/wait-for.js';

const ACK_TIMEOUT_MS = 1500;
const DEPTH_ALARM = 3;
/** A killed node's deliveries come back within the ack timeout plus a sweep (at most a second apart). */
const RECOVERY_MS = ACK_TIMEOUT_MS + 1000;

async function post(node: CourierNode, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function get(node: CourierNode, path: string): Promise<any> {
  const res = await fetch(`${node.url}${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Queue stats without the fields that depend on the moment asked. */
async function queueStats(node: CourierNode, queue: string): Promise<Record<string, unknown>> {
  const { oldestReadyAgeMs: _age, ...stats } = await get(node, `/api/namespaces/events/queues/${queue}`);
  return stats;
}

async function subscribe(node: CourierNode, queue: string, prefetch: number, clientId?: string): Promise<TestClient> {
  const consumer = await connectClient(node.url, 'events', clientId ? { clientId } : {});
  expect(await consumer.request('subscribe', { queue, prefetch })).toEqual({ ok: true, queue });
  return consumer;
}

/**
 * Two (or three) real `node dist/main.js` processes with STORE=redis on one Redis, driven only through
 * the public interface: REST on one node, Socket.IO on another.
 */
describe('cluster: nodes sharing one Redis', () => {
  let admin: Redis;
  let prefix: string;
  let dataDir: string;
  let env: Record<string, string>;
  let a: CourierNode;
  let b: CourierNode;
  const extra: CourierNode[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    admin = await connectTestRedis();
    prefix = uniquePrefix();
    dataDir = mkdtempSync(join(tmpdir(), 'courier-cluster-'));
    env = {
      STORE: 'redis',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
      DEPTH_ALARM: String(DEPTH_ALARM),
      DATA_DIR: dataDir,
    };
    [a, b] = await Promise.all([CourierNode.start(env), CourierNode.start(env)]);
  }, 300_000);

  afterEach(() => {
    closeAllClients();
  });

  afterAll(async () => {
    await Promise.all([a, b, ...extra].filter(Boolean).map((n) => n.kill('SIGTERM')));
    if (admin) {
      await deleteByPrefix(admin, prefix);
      admin.disconnect();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers a message published over REST on one node to a consumer on the other', async () => {
    const queue = fresh('jobs');
    const consumer = await subscribe(b, queue, 10);

    const published = await post(a, `/api/namespaces/events/queues/${queue}/messages`, { payload: { order: 1 }, headers: { trace: 't1' } });

    expect(published).toEqual({ status: 201, body: { id: expect.any(String) } });
    const [message] = await consumer.waitForBodies(1);
    expect(message).toEqual({ id: published.body.id, queue, payload: { order: 1 }, headers: { trace: 't1' }, attempt: 1, publishedAt: expect.any(String) });
    expect(await consumer.request('ack', { id: message.id })).toEqual({ ok: true });
    const stats = await waitFor(async () => {
      const s = await queueStats(a, queue);
      return s.acked === 1 ? s : null;
    }, 'the ack to show in stats');
    expect(stats).toMatchObject({ name: queue, ready: 0, inFlight: 0, published: 1, acked: 1, redelivered: 0, consumers: 1 });
    expect(await queueStats(b, queue)).toEqual(stats);
  });

  it('counts consumers, connections and sockets online in a room over the whole cluster, whichever node answers', async () => {
    const queue = fresh('jobs');
    const room = fresh('lobby');
    await subscribe(a, queue, 1);
    await subscribe(b, queue, 1);
    const member = await connectClient(b.url, 'events', { clientId: fresh('member') });
    const guest = await connectClient(a.url, 'events');
    expect(await member.request('join', { room })).toEqual({ ok: true, room });
    expect(await guest.request('join', { room })).toEqual({ ok: true, room });

    // Sockets of the previous test may still be on their way out.
    const connections = async (node: CourierNode) => (await get(node, '/api/namespaces')).find((n: any) => n.name === 'events').connections;
    await waitFor(async () => (await connections(a)) === 4, 'the previous sockets to be gone');
    for (const node of [a, b]) {
      expect(await get(node, `/api/namespaces/events/queues/${queue}`)).toMatchObject({ consumers: 2 });
      expect(await connections(node)).toBe(4);
      expect((await get(node, '/api/namespaces/events/rooms')).find((r: any) => r.name === room)).toEqual({ name: room, online: 2, members: 1 });
    }
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toContain(`courier_queue_consumers{namespace="events",queue="${queue}"} 2`);
    expect(metrics).toContain('courier_connections{namespace="events"} 4');
  });

  it('raises a depth alarm once for each $alarms socket, whichever node it is connected to', async () => {
    const queue = fresh('deep');
    const watchers = [await connectClient(a.url, 'events'), await connectClient(b.url, 'events')];
    for (const watcher of watchers) expect(await watcher.request('join', { room: '$alarms' })).toEqual({ ok: true, room: '$alarms' });
    const mine = (watcher: TestClient) => watcher.bodies('alarm').filter((alarm) => alarm.queue === queue);

    await post(a, `/api/namespaces/events/queues/${queue}/messages`, { messages: Array.from({ length: 5 }, (_, i) => ({ payload: i })) });

    for (const watcher of watchers) await waitFor(() => mine(watcher).length > 0, 'the alarm', 5000);
    // Each node checks depths every second: wait for two more rounds on both.
    await sleep(2500);
    for (const watcher of watchers) expect(mine(watcher)).toEqual([{ queue, ready: 5, threshold: DEPTH_ALARM }]);
  });

  it('sends a room message to anonymous sockets in the room on every node and counts them as recipients', async () => {
    const room = fresh('lobby');
    const guests = [await connectClient(a.url, 'events'), await connectClient(b.url, 'events'), await connectClient(b.url, 'events')];
    for (const guest of guests) expect(await guest.request('join', { room })).toEqual({ ok: true, room });

    const published = await post(a, `/api/namespaces/events/rooms/${room}/messages`, { payload: 'hi all' });

    expect(published).toEqual({ status: 201, body: { id: expect.any(String), recipients: 3 } });
    for (const guest of guests) {
      const [message] = await guest.waitForBodies(1);
      expect(message).toMatchObject({ id: published.body.id, room, payload: 'hi all', attempt: 1 });
      expect(await guest.request('ack', { id: message.id })).toEqual({ ok: true });
    }
  });

  it('delivers a message published over Socket.IO on one node to a consumer on the other', async () => {
    const queue = fresh('jobs');
    const consumer = await subscribe(a, queue, 10);
    const producer = await connectClient(b.url, 'events');

    const published = await producer.request('publish', { queue, payload: 'hello' });

    expect(published).toEqual({ ok: true, id: expect.any(String) });
    expect(await consumer.waitForBodies(1)).toMatchObject([{ id: published.id, payload: 'hello', attempt: 1 }]);
  });

  it('shares a queue between competing consumers on both nodes, each message to one of them', async () => {
    const queue = fresh('jobs');
    const [onA, onB] = [await subscribe(a, queue, 5), await subscribe(b, queue, 5)];

    const published = await post(a, `/api/namespaces/events/queues/${queue}/messages`, {
      messages: Array.from({ length: 10 }, (_, i) => ({ payload: i })),
    });

    expect(published.status).toBe(201);
    const [gotA, gotB] = [await onA.waitForBodies(5), await onB.waitForBodies(5)];
    const ids = [...gotA, ...gotB].map((m) => m.id);
    expect(new Set(ids).size).toBe(10);
    expect([...ids].sort()).toEqual([...published.body.ids].sort());
    for (const [client, got] of [
      [onA, gotA],
      [onB, gotB],
    ] as const) {
      expect(await client.request('ack', { ids: got.map((m) => m.id) })).toEqual({ ok: true, acked: 5 });
    }
    const stats = await queueStats(b, queue);
    expect(stats).toMatchObject({ ready: 0, inFlight: 0, published: 10, acked: 10, consumers: 2 });
    expect(await queueStats(a, queue)).toEqual(stats);
  });

  it('gives a durable room member on one node what was published to the room on the other', async () => {
    const room = fresh('acme');
    const clientId = fresh('vendor');
    const member = await connectClient(b.url, 'events', { clientId });
    expect(await member.request('join', { room })).toEqual({ ok: true, room });

    const published = await post(a, `/api/namespaces/events/rooms/${room}/messages`, { payload: { parcel: 7 } });

    expect(published).toEqual({ status: 201, body: { id: expect.any(String), recipients: 1 } });
    const [copy] = await member.waitForBodies(1);
    expect(copy).toMatchObject({ id: published.body.id, room, payload: { parcel: 7 }, attempt: 1 });
    expect(await member.request('ack', { id: copy.id })).toEqual({ ok: true });
  });

  it('keeps a durable copy for a member that was offline and hands it over on any node', async () => {
    const room = fresh('acme');
    const clientId = fresh('vendor');
    const first = await connectClient(a.url, 'events', { clientId });
    expect(await first.request('join', { room })).toEqual({ ok: true, room });
    first.close();

    const published = await post(b, `/api/namespaces/events/rooms/${room}/messages`, { payload: 'while away' });
    const back = await connectClient(b.url, 'events', { clientId });

    expect(published.body.recipients).toBe(1);
    expect(await back.waitForBodies(1)).toMatchObject([{ id: published.body.id, room, payload: 'while away', attempt: 1 }]);
  });

  it('sends a copy to every socket of a durable member, on both nodes, and an ack through either settles it once', async () => {
    const room = fresh('acme');
    const clientId = fresh('vendor');
    const onA = await connectClient(a.url, 'events', { clientId });
    const onB = await connectClient(b.url, 'events', { clientId });
    expect(await onA.request('join', { room })).toEqual({ ok: true, room });
    await waitFor(async () => (await get(a, '/api/namespaces/events/rooms')).some((r: any) => r.name === room), 'the room to be listed');

    const published = await post(b, `/api/namespaces/events/rooms/${room}/messages`, { payload: 'both' });

    const [copyA] = await onA.waitForBodies(1);
    const [copyB] = await onB.waitForBodies(1);
    expect(copyA).toMatchObject({ id: published.body.id, attempt: 1 });
    expect(copyB).toEqual(copyA);
    // Only A follows the room (the member joined there), so A claimed the copy: B settles it all the same.
    expect(await onB.request('ack', { id: copyB.id })).toEqual({ ok: true });
    expect(await onA.request('ack', { id: copyA.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const [listed] = (await get(b, '/api/namespaces/events/rooms')).filter((r: any) => r.name === room);
    expect(listed).toMatchObject({ name: room, members: 1 });
  });

  it('redelivers what a node killed with -9 held to a consumer on another node, attempt + 1, none lost or acked twice', async () => {
    const doomed = await CourierNode.start(env);
    extra.push(doomed);
    const queue = fresh('jobs');
    const victim = await subscribe(doomed, queue, 5);
    const published = await post(a, `/api/namespaces/events/queues/${queue}/messages`, {
      messages: Array.from({ length: 5 }, (_, i) => ({ payload: i })),
    });
    await victim.waitForBodies(5);
    const survivor = await subscribe(b, queue, 10);

    await doomed.kill('SIGKILL');
    const started = Date.now();
    const again = await survivor.waitForBodies(5, 'message', RECOVERY_MS + 5000);

    expect(Date.now() - started).toBeLessThan(RECOVERY_MS + 5000);
    expect(again.map((m) => m.id).sort()).toEqual([...published.body.ids].sort());
    expect(again.every((m) => m.attempt === 2)).toBe(true);
    for (const m of again) expect(await survivor.request('ack', { id: m.id })).toEqual({ ok: true });
    expect(await survivor.request('ack', { id: again[0].id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const stats = await queueStats(a, queue);
    expect(stats).toMatchObject({ ready: 0, inFlight: 0, published: 5, acked: 5, redelivered: 5, consumers: 1 });
    expect(await queueStats(b, queue)).toEqual(stats);
    expect(survivor.bodies()).toHaveLength(5);
  }, 60_000);
});
