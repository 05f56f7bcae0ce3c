import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { Channel } from '../store/stored-message.js';
import { waitFor } from '../../test/support/wait-for.js';
import { connectTestRedis, PrivateRedis, REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { RedisWakeBus } from './redis-wake-bus.js';

const jobs: Channel = { ns: 'events', kind: 'queue', name: 'jobs', client: '' };
const copy: Channel = { ns: 'events', kind: 'room', name: 'acme:eu', client: 'alice' };

async function node(prefix: string, url = REDIS_URL): Promise<{ bus: RedisWakeBus; woken: Channel[]; close: () => Promise<void> }> {
  const module = await Test.createTestingModule({
    providers: [{ provide: CourierConfig, useValue: CourierConfig.with({ STORE: 'redis', REDIS_URL: url, REDIS_PREFIX: prefix }) }, NodeId, RedisWakeBus],
  }).compile();
  const app = await module.init();
  const bus = app.get(RedisWakeBus);
  const woken: Channel[] = [];
  bus.onWake((c) => woken.push(c));
  return { bus, woken, close: () => app.close() };
}

describe(RedisWakeBus.name, () => {
  let admin: Redis;
  let prefix: string;
  let a: Awaited<ReturnType<typeof node>>;
  let b: Awaited<ReturnType<typeof node>>;

  beforeAll(async () => {
    admin = await connectTestRedis();
  });

  afterAll(() => admin.disconnect());

  beforeEach(async () => {
    prefix = uniquePrefix();
    a = await node(prefix);
    b = await node(prefix);
  });

  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('wakes local handlers at once and the other nodes through Redis', async () => {
    a.bus.wake([jobs, copy]);

    expect(a.woken).toEqual([jobs, copy]);
    await waitFor(() => b.woken.length === 2, 'the wake to arrive');
    expect(b.woken).toEqual([jobs, copy]);
  });

  it('does not wake a node twice with its own echo', async () => {
    a.bus.wake([jobs]);
    b.bus.wake([copy]);
    await waitFor(() => a.woken.length >= 2 && b.woken.length >= 2, 'the wake to arrive');
    await new Promise((r) => setTimeout(r, 100));

    expect(a.woken).toEqual([jobs, copy]);
    expect(b.woken).toEqual([copy, jobs]);
  });

  it('coalesces the wakes of one event-loop turn into one Redis message', async () => {
    const sub = admin.duplicate();
    const seen: string[] = [];
    await sub.subscribe(`${prefix}wake`);
    sub.on('message', (_topic: string, text: string) => seen.push(text));

    for (let i = 0; i < 100; i++) a.bus.wake([jobs]);
    a.bus.wake([copy]);
    await waitFor(() => b.woken.length === 2, 'the wake to arrive');
    await new Promise((r) => setTimeout(r, 100));
    sub.disconnect();

    expect(b.woken).toEqual([jobs, copy]);
    expect(seen).toHaveLength(1);
  });

  it('keeps deployments with another prefix apart', async () => {
    const other = await node(uniquePrefix());
    try {
      a.bus.wake([jobs]);
      await waitFor(() => b.woken.length === 1, 'the wake to arrive');
      await new Promise((r) => setTimeout(r, 100));

      expect(other.woken).toEqual([]);
    } finally {
      await other.close();
    }
  });

  describe('around a Redis outage', () => {
    let redis: PrivateRedis;
    let x: Awaited<ReturnType<typeof node>>;
    let y: Awaited<ReturnType<typeof node>>;

    beforeEach(async () => {
      redis = await PrivateRedis.start();
      x = await node(prefix, redis.url);
      y = await node(prefix, redis.url);
    });

    afterEach(async () => {
      await x.close();
      await y.close();
      await redis.remove();
    });

    it('sends the wakes it could not send once Redis is back', async () => {
      await redis.stop();
      x.bus.wake([jobs]);
      await new Promise((r) => setTimeout(r, 50));
      await redis.start();

      await waitFor(() => y.woken.some((c) => c.name === 'jobs'), 'the wake to arrive');
      // Locally at once (and maybe again when x's own subscription came back).
      expect(x.woken[0]).toEqual(jobs);
    });

    it('wakes the channels it saw lately again when its subscription comes back', async () => {
      x.bus.wake([copy]);
      await waitFor(() => y.woken.length === 1, 'the wake to arrive');
      y.woken.length = 0;

      await redis.stop();
      await redis.start();

      await waitFor(() => y.woken.length > 0, 'the wake to arrive');
      expect(y.woken).toEqual([copy]);
    });
  });
});
