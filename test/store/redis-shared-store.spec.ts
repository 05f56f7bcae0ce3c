import { Redis } from 'ioredis';
import { CourierError } from '../../src/common/courier-error.js';
import { ErrorCode } from '../../src/common/error-code.js';
import { RedisMessageStore } from '../../src/store/redis/redis-message-store.js';
import { Channel, NewMessage } from '../../src/store/stored-message.js';
import { connectTestRedis, deleteByPrefix, freePort, keysByPrefix, PrivateRedis, REDIS_URL, uniquePrefix } from '../support/redis.js';

const T0 = 1_700_000_000_000;
const queue = (name = 'jobs'): Channel => ({ ns: 'events', kind: 'queue', name, client: '' });
const msg = (payload: string): NewMessage => ({ payload, headers: {}, priority: 0, delayMs: 0, ttlMs: 0, key: '' });

/** What only a store shared by several nodes has to get right; the common behaviour is in message-store.contract.ts. */
describe(`${RedisMessageStore.name} shared by several nodes`, () => {
  let admin: Redis;
  let prefix: string;
  const opened: RedisMessageStore[] = [];

  const open = async (url = REDIS_URL): Promise<RedisMessageStore> => {
    const store = new RedisMessageStore(url, prefix);
    await store.open();
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    admin = await connectTestRedis();
  });

  afterAll(() => admin.disconnect());

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await deleteByPrefix(admin, prefix);
  });

  it('never hands one message to two nodes claiming at the same time', async () => {
    const [a, b] = [await open(), await open()];
    const ids = (await a.enqueue(queue(), Array.from({ length: 500 }, (_, i) => msg(`m${i}`)), T0)).map((r) => r.id);

    const claimAll = async (store: RedisMessageStore, holder: string): Promise<string[]> => {
      const got: string[] = [];
      for (;;) {
        const { deliveries } = await store.claimNext(queue(), holder, 7, T0, T0 + 30_000);
        if (deliveries.length === 0) return got;
        got.push(...deliveries.map((d) => d.id));
      }
    };
    const [byA, byB] = await Promise.all([claimAll(a, 'a/1'), claimAll(b, 'b/1')]);

    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect(byA.filter((id) => byB.includes(id))).toEqual([]);
    expect([...byA, ...byB].sort()).toEqual([...ids].sort());
    expect(await b.stats('events', 'queue', 'jobs')).toMatchObject({ ready: 0, inFlight: 500 });
  });

  it('with recoverAll releases what a stopped node held but not what a live node holds', async () => {
    const [live, stopped, starting] = [await open(), await open(), await open()];
    await live.enqueue(queue(), [msg('held by live'), msg('held by stopped')], T0);
    const [held] = (await live.claimNext(queue(), 'live/1', 1, T0, T0 + 30_000)).deliveries;
    await stopped.claimNext(queue(), 'stopped/1', 1, T0, T0 + 30_000);
    await stopped.close();

    const result = await starting.sweep(T0 + 1, 5, true);

    expect(result).toMatchObject({ timedOut: 1, woken: [queue()] });
    const { deliveries } = await starting.claimNext(queue(), 'starting/1', 10, T0 + 2, T0 + 30_000);
    expect(deliveries.map((d) => [d.payload, d.attempt])).toEqual([['held by stopped', 2]]);
    expect(await live.ack('events', [{ id: held.id, client: '' }], 'live/1', T0 + 3)).toEqual([{ id: held.id, client: '' }]);
  });

  it('keeps names that differ only around a colon apart', async () => {
    const store = await open();
    await store.join('events', 'a', 'b:c', T0);
    await store.join('events', 'a:b', 'c', T0);
    await store.enqueue(queue('x:y'), [msg('one')], T0);
    await store.enqueue(queue('x'), [msg('two')], T0);

    const first = await store.fanOut('events', 'a', msg('to a'), T0);

    expect(first.clients).toEqual(['b:c']);
    expect((await store.claimNext({ ns: 'events', kind: 'room', name: 'a:b', client: 'c' }, 'n/1', 10, T0, T0 + 1)).deliveries).toEqual([]);
    expect((await store.claimNext(queue('x:y'), 'n/1', 10, T0, T0 + 1)).deliveries.map((d) => d.payload)).toEqual(['one']);
    expect(await store.memberships('events', 'b:c')).toEqual(['a']);
    expect(await store.memberships('events', 'c')).toEqual(['a:b']);
  });

  it('finds members joined under any characters when fanning out (key names built in Node and in Lua agree)', async () => {
    const store = await open();
    const room = 'ümlaut:ø.x-1_%';
    const client = 'client id with spaces/and%percent';
    await store.join('events', room, client, T0);

    const result = await store.fanOut('events', room, msg('hello'), T0);

    expect(result.clients).toEqual([client]);
    const { deliveries } = await store.claimNext({ ns: 'events', kind: 'room', name: room, client }, 'n/1', 10, T0, T0 + 1);
    expect(deliveries.map((d) => d.payload)).toEqual(['hello']);
    expect(await store.memberCount('events', room)).toBe(1);
  });

  it('leaves no key of a message behind once it is acked or purged', async () => {
    const store = await open();
    const before = await keysByPrefix(admin, prefix);
    await store.enqueue(queue(), [msg('acked'), { ...msg('with ttl'), ttlMs: 60_000 }], T0);
    const { deliveries } = await store.claimNext(queue(), 'n/1', 2, T0, T0 + 30_000);
    await store.ack('events', deliveries.map((d) => ({ id: d.id, client: '' })), 'n/1', T0 + 1);
    await store.enqueue(queue(), [msg('purged')], T0 + 2);
    await store.purge(queue());

    const left = (await keysByPrefix(admin, prefix)).filter((k) => !before.includes(k)).map((k) => k.slice(prefix.length));

    expect(left.sort()).toEqual(['c:events:queue:jobs', 'ch:events:queue', 'seq']);
    expect(await store.stats('events', 'queue', 'jobs')).toMatchObject({ ready: 0, inFlight: 0, acked: 2, published: 3 });
  });

  it('purges and redrives more than one run of a bulk script holds', async () => {
    const store = await open();
    const many = (n: number, extra: Partial<NewMessage> = {}) => Array.from({ length: n }, (_, i) => ({ ...msg(`m${i}`), ...extra }));
    await store.enqueue(queue('purged'), many(2500), T0);
    await store.enqueue(queue('expired'), many(2500, { ttlMs: 1 }), T0);
    while ((await store.sweep(T0 + 10, 5, false)).nextDueAt === T0 + 10);

    expect(await store.purge(queue('purged'))).toBe(2500);
    expect(await store.redrive('events', 'queue', 'expired', T0 + 20)).toEqual([queue('expired')]);
    expect(await store.stats('events', 'queue', 'purged')).toMatchObject({ ready: 0, published: 2500 });
    expect(await store.stats('events', 'queue', 'expired')).toMatchObject({ ready: 2500, deadLettered: 0 });
  });

  it('fails start-up with one clear line when Redis is not there', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const store = new RedisMessageStore(url, prefix);

    await expect(store.open()).rejects.toThrow(`Redis not reachable at REDIS_URL=${url}`);
    await store.close();
  });

  describe('while Redis is away', () => {
    let redis: PrivateRedis;

    beforeEach(async () => {
      redis = await PrivateRedis.start();
    });

    afterEach(async () => {
      // Closed while their Redis still runs, so nothing waits for a dead socket to time out.
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await redis.remove();
    });

    it('fails calls with UNAVAILABLE instead of waiting, then works again once Redis is back, data kept', async () => {
      const store = await open(redis.url);
      const [kept] = await store.enqueue(queue(), [msg('before')], T0);

      await redis.stop();
      const failure = await store.enqueue(queue(), [msg('during')], T0 + 1).catch((error: unknown) => error);
      await expect(store.ping()).rejects.toBeInstanceOf(CourierError);
      await redis.start();
      await waitUntilUp(store);

      expect(failure).toBeInstanceOf(CourierError);
      expect((failure as CourierError).code).toBe(ErrorCode.UNAVAILABLE);
      const { deliveries } = await store.claimNext(queue(), 'n/1', 10, T0 + 2, T0 + 30_000);
      expect(deliveries.map((d) => [d.id, d.payload])).toEqual([[kept.id, 'before']]);
      expect(await store.stats('events', 'queue', 'jobs')).toMatchObject({ published: 1, inFlight: 1 });
    });
  });
});

async function waitUntilUp(store: RedisMessageStore): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
