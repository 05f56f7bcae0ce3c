import BetterSqlite3 from 'better-sqlite3';
import type { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { connectTestRedis, deleteByPrefix, ensureBuilt, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { sleep } from '../support/wait-for.js';
import { describeLine, FaultNode, LEVEL } from './fault-node.js';
import { NS, restGet, restPublish } from './traffic.js';

const COUNT = 50;
/** The one message whose stored record gets damaged: in the middle, so some are claimed before and after it. */
const DAMAGED = 24;

/** Publishes COUNT messages (payload `{ pid: 'm-<n>' }`) and returns their ids in order. */
async function publishAll(url: string, queue: string): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < COUNT; n++) {
    const answer = await restPublish(url, queue, { pid: `m-${n}` });
    if (answer.status !== 201) throw new Error(`publish ${n} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    ids.push(answer.body.id);
  }
  return ids;
}

/**
 * The checks every variant shares: a consumer with room for all 50 gets the 49 readable ones (and can ack
 * them), the damaged one is dead-lettered alone as `unreadable`, and the server says so at error with its id.
 */
function expectDamagedRecordSetAside(setup: () => Promise<{ node: FaultNode; queue: string; ids: string[] }>): void {
  let node: FaultNode;
  let queue: string;
  let ids: string[];
  let damagedId: string;
  let consumer: TestClient;
  let since = 0;

  beforeAll(async () => {
    ({ node, queue, ids } = await setup());
    damagedId = ids[DAMAGED];
    since = node.mark();
    consumer = await connectClient(node.url, NS);
    expect(await consumer.request('subscribe', { queue, prefetch: 50 })).toEqual({ ok: true, queue });
  }, 120_000);

  afterAll(() => closeAllClients());

  it('delivers the other 49 messages, which can be acked', async () => {
    const expected = ids.filter((id) => id !== damagedId);
    await consumer.waitForBodies(COUNT - 1).catch(() => undefined);
    // Anything more (the damaged one, or a second delivery) would arrive right behind them.
    await sleep(300);
    const got = consumer.bodies();
    expect(got.map((m) => m.id).sort()).toEqual([...expected].sort());
    expect(got.map((m) => m.payload?.pid).sort()).toEqual(
      Array.from({ length: COUNT }, (_, n) => `m-${n}`)
        .filter((_, n) => n !== DAMAGED)
        .sort(),
    );
    expect(await consumer.request('ack', { ids: expected })).toEqual({ ok: true, acked: COUNT - 1 });
  }, 30_000);

  it('dead-letters the damaged message alone, with reason unreadable', async () => {
    const dead = await restGet(node.url, `/api/namespaces/${NS}/queues/${queue}/dead-letters`);
    expect(dead.status).toBe(200);
    expect(dead.body).toEqual([expect.objectContaining({ id: damagedId, reason: 'unreadable' })]);
    const stats = await restGet(node.url, `/api/namespaces/${NS}/queues/${queue}`);
    expect(stats.body).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1 });
  });

  it('logs it at error, naming the message id', () => {
    const lines = node.logs(since).filter((line) => JSON.stringify(line).includes(damagedId));
    expect(lines.map((line) => ({ level: line.level, text: describeLine(line) }))).toContainEqual(
      expect.objectContaining({ level: LEVEL.error }),
    );
  });
}

/** SQLite: damaged on disk while the server is stopped, then read back by a restarted server. */
describe.each([
  { damage: 'a payload cut off in the middle of its JSON', value: '{"broken' },
  { damage: 'a payload that is not text (a BLOB of invalid UTF-8)', value: Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0x7b]) },
])('storage fault: damaged record in SQLite ($damage)', ({ value }) => {
  let dataDir = '';
  let node: FaultNode | undefined;

  beforeAll(async () => {
    await ensureBuilt();
  }, 300_000);

  afterAll(async () => {
    await node?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  expectDamagedRecordSetAside(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'courier-damaged-'));
    const queue = fresh('damaged');
    const first = await FaultNode.start({ STORE: 'sqlite', DATA_DIR: dataDir });
    node = first;
    const ids = await publishAll(first.url, queue);
    expect(await first.stop()).toBe(0);

    const db = new BetterSqlite3(join(dataDir, 'courier.db'));
    try {
      const changed = db.prepare('UPDATE messages SET payload = ? WHERE id = ?').run(value, ids[DAMAGED]).changes;
      if (changed !== 1) throw new Error(`expected to damage 1 row of courier.db, damaged ${changed}: has the schema (src/store/sqlite/schema.ts) changed?`);
    } finally {
      db.close();
    }
    node = await first.restart();
    return { node, queue, ids };
  });
});

/**
 * Redis: the body of one stored copy overwritten in place (no restart needed: the server reads it when the
 * message is claimed). Body keys are `<prefix>b:<ns>:<id>:<client>` holding '<headers JSON>\n<payload>'
 * (src/store/redis/scripts/prelude.ts); a queue copy's client is ''.
 */
describe.each([
  { damage: 'a body of random bytes without its header separator', value: Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x81, 0x7b, 0x22]) },
  { damage: 'a payload cut off in the middle of its JSON', value: '{}\n{"broken' },
])('storage fault: damaged record in Redis ($damage)', ({ value }) => {
  const prefix = uniquePrefix();
  let redis: Redis | undefined;
  let node: FaultNode | undefined;
  let dataDir = '';

  beforeAll(async () => {
    await ensureBuilt();
    redis = await connectTestRedis();
  }, 300_000);

  afterAll(async () => {
    await node?.kill();
    if (redis) {
      await deleteByPrefix(redis, prefix);
      redis.disconnect();
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  expectDamagedRecordSetAside(async () => {
    const queue = fresh('damaged');
    // Unused with STORE=redis, but never the default ./data of the checkout.
    dataDir = mkdtempSync(join(tmpdir(), 'courier-damaged-'));
    node = await FaultNode.start({ STORE: 'redis', REDIS_URL, REDIS_PREFIX: prefix, DATA_DIR: dataDir });
    const ids = await publishAll(node.url, queue);
    const bodyKey = `${prefix}b:${NS}:${ids[DAMAGED]}:`;
    if ((await redis!.exists(bodyKey)) !== 1) throw new Error(`no body key ${bodyKey}: has the key layout (src/store/redis/scripts/prelude.ts) changed?`);
    await redis!.set(bodyKey, value);
    return { node, queue, ids };
  });
});
