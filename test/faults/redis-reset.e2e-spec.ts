import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { ensureBuilt, PrivateRedis, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';
import { describeLine, FaultNode } from './fault-node.js';
import { healthBecomes, metricValue, NS, restGet, restPublish } from './traffic.js';

/** "Within a few seconds" (contract §2), with room for a slow CI machine. */
const NOTICE_MS = 10_000;
const BACKLOG = 20;
const PREFETCH = 5;

async function resets(node: FaultNode): Promise<number | null> {
  const metrics = await restGet(node.url, '/metrics');
  return metricValue(String(metrics.body), 'courier_store_resets_total');
}

/**
 * Storage fault "Redis restarted empty" (issue 11, defect 4; contract §2): two nodes share a private Redis
 * that is stopped, loses its append-only file, and comes back with nothing. Each node must notice, log it at
 * error, count it, answer 503 on /health until it has declared again what it still holds, and then work
 * on: the durable member still connected to node A gets room messages, the consumer still connected to node
 * B is listed and served, and no socket was dropped on the way.
 */
describe('storage fault: Redis restarted empty under two nodes', () => {
  const room = fresh('reset-room');
  const queue = fresh('reset-queue');
  const clientId = fresh('member');
  let redis: PrivateRedis | undefined;
  let a: FaultNode | undefined;
  let b: FaultNode | undefined;
  let dataDir = '';
  let member: TestClient;
  let consumer: TestClient;
  const disconnects: string[] = [];
  let socketIds: string[] = [];
  const since = { a: 0, b: 0 };

  beforeAll(async () => {
    await ensureBuilt();
    redis = await PrivateRedis.start();
    dataDir = mkdtempSync(join(tmpdir(), 'courier-reset-'));
    const env = { STORE: 'redis', REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), DATA_DIR: dataDir };
    [a, b] = await Promise.all([FaultNode.start(env), FaultNode.start(env)]);

    member = await connectClient(a.url, NS, { clientId });
    expect(await member.request('join', { room })).toEqual({ ok: true, room });
    for (let n = 0; n < BACKLOG; n++) expect((await restPublish(a.url, queue, { pid: `backlog-${n}` })).status).toBe(201);
    consumer = await connectClient(b.url, NS);
    expect(await consumer.request('subscribe', { queue, prefetch: PREFETCH })).toEqual({ ok: true, queue });
    await consumer.waitForBodies(PREFETCH);
    for (const [name, client] of [['member', member], ['consumer', consumer]] as const) {
      client.socket.on('disconnect', (reason) => disconnects.push(`${name}: ${reason}`));
    }
    socketIds = [member.socket.id!, consumer.socket.id!];

    since.a = a.mark();
    since.b = b.mark();
    await redis.stop();
    for (const entry of readdirSync(redis.dir)) rmSync(join(redis.dir, entry), { recursive: true, force: true });
    await redis.start();
  }, 300_000);

  afterAll(async () => {
    closeAllClients();
    await Promise.all([a?.kill(), b?.kill()]);
    await redis?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('is noticed by every node within a few seconds: courier_store_resets_total ≥ 1 on each', async () => {
    const seen = async () => {
      const counts = await Promise.all([resets(a!), resets(b!)]);
      return counts.every((n) => n !== null && n >= 1) ? counts : null;
    };
    const counts = await waitFor(seen, 'courier_store_resets_total ≥ 1 on both nodes', NOTICE_MS, 200).catch(async () => Promise.all([resets(a!), resets(b!)]));
    expect({ a: counts[0], b: counts[1] }).toEqual({ a: expect.any(Number), b: expect.any(Number) });
    expect(Math.min(counts[0] ?? 0, counts[1] ?? 0)).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('answers 200 on /health on both nodes again once they have declared what they hold', async () => {
    const [onA, onB] = await Promise.all([healthBecomes(a!.url, 200, NOTICE_MS), healthBecomes(b!.url, 200, NOTICE_MS)]);
    expect({ a: onA.last, b: onB.last }).toEqual({ a: 200, b: 200 });
  }, 20_000);

  it('lists the still-connected consumer on its queue again (consumers 1, totals from zero)', async () => {
    // Asked of the node the consumer is not connected to: the declaration is cluster-wide.
    // Counted by asking every node over Redis: on a loaded machine the first answers after the reset can
    // come late, so give it the contract's "few seconds".
    const read = () => restGet(a!.url, `/api/namespaces/${NS}/queues/${queue}`);
    const stats = await waitFor(async () => {
      const s = await read();
      return s.status === 200 && s.body.consumers === 1 ? s : null;
    }, 'the consumer to be counted again', NOTICE_MS).catch(read);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ consumers: 1 });
    expect(stats.body.published).toBeLessThan(BACKLOG);
  });

  it('delivers a room message to the still-connected durable member', async () => {
    // Published through the other node: the membership is known cluster-wide, not only where the socket is.
    const published = await restPublish(b!.url, { room }, { pid: 'after-reset' });
    expect(published.status).toBe(201);
    expect(published.body.recipients).toBeGreaterThanOrEqual(1);
    const got = await member.waitForBodies(1).catch(() => member.bodies());
    expect(got.map((m) => m.payload?.pid)).toContain('after-reset');
  }, 20_000);

  it('keeps serving the consumer: a new message reaches it once it acked what it held', async () => {
    const held = consumer.bodies().map((m) => m.id);
    // The copies it held went with the data; whatever the ack answers, its prefetch window must come free.
    await consumer.request('ack', { ids: held }).catch(() => undefined);
    expect((await restPublish(a!.url, queue, { pid: 'after-reset' })).status).toBe(201);
    const got = await waitFor(() => consumer.bodies().find((m) => m.payload?.pid === 'after-reset'), 'the new message at the consumer', 5000).catch(() => null);
    expect(got).toMatchObject({ payload: { pid: 'after-reset' } });
  }, 20_000);

  it('logs the reset at error on each node', () => {
    const words = /reset|lost|empty|flush|wipe|missing|gone/i;
    expect(a!.faultLines(since.a).map(describeLine)).toContainEqual(expect.stringMatching(words));
    expect(b!.faultLines(since.b).map(describeLine)).toContainEqual(expect.stringMatching(words));
  });

  it('never disconnected the sockets', () => {
    expect(disconnects).toEqual([]);
    expect([member.socket.connected, consumer.socket.connected]).toEqual([true, true]);
    expect([member.socket.id, consumer.socket.id]).toEqual(socketIds);
  });
});
