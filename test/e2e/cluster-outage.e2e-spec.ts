import { closeAllClients, connectClient, fresh } from '../support/connect-client.js';
import { CourierNode, ensureBuilt, PrivateRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

async function publish(node: CourierNode, queue: string, payload: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${node.url}/api/namespaces/events/queues/${queue}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload }),
  });
  return { status: res.status, body: await res.json() };
}

const health = async (node: CourierNode): Promise<number> => (await fetch(`${node.url}/health`)).status;

/**
 * STORE=redis while Redis goes away and comes back. The node runs against a redis-server of its own
 * (append-only, fsync always), never the shared one, so stopping it disturbs nobody.
 */
describe('cluster: Redis outage', () => {
  let redis: PrivateRedis;
  let node: CourierNode;

  beforeAll(async () => {
    await ensureBuilt();
    redis = await PrivateRedis.start();
    node = await CourierNode.start({ STORE: 'redis', REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), DATA_DIR: redis.dir });
  }, 300_000);

  afterAll(async () => {
    closeAllClients();
    await node?.kill('SIGTERM');
    await redis?.remove();
  });

  it('answers 503 and stores nothing while Redis is down, then recovers by itself', async () => {
    const queue = fresh('jobs');
    const producer = await connectClient(node.url, 'events');
    const before = await publish(node, queue, 'before');
    expect(before.status).toBe(201);

    await redis.stop();

    await waitFor(async () => (await health(node)) === 503, 'GET /health to answer 503');
    const refused = await publish(node, queue, 'during (REST)');
    expect(refused).toEqual({ status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: expect.any(String) } });
    expect(await producer.request('publish', { queue, payload: 'during (socket)' })).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: expect.any(String) },
    });
    expect(node.running).toBe(true);

    await redis.start();

    await waitFor(async () => (await health(node)) === 200, 'GET /health to answer 200 again', 10_000);
    const after = await publish(node, queue, 'after');
    expect(after.status).toBe(201);
    const consumer = await connectClient(node.url, 'events');
    expect(await consumer.request('subscribe', { queue })).toEqual({ ok: true, queue });
    const got = await consumer.waitForBodies(2);
    expect(got.map((m) => m.payload)).toEqual(['before', 'after']);
    const stats = await (await fetch(`${node.url}/api/namespaces/events/queues/${queue}`)).json();
    expect(stats).toMatchObject({ published: 2, inFlight: 2, ready: 0 });
  }, 60_000);
});
