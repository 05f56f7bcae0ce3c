import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { connectTestRedis, deleteByPrefix, REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { RedisPeers } from './redis-peers.js';

async function node(prefix: string): Promise<{ peers: RedisPeers; close: () => Promise<void> }> {
  const module = await Test.createTestingModule({
    providers: [{ provide: CourierConfig, useValue: CourierConfig.with({ STORE: 'redis', REDIS_URL, REDIS_PREFIX: prefix }) }, NodeId, RedisPeers],
  }).compile();
  const app = await module.init();
  return { peers: app.get(RedisPeers), close: () => app.close() };
}

describe(RedisPeers.name, () => {
  let admin: Redis;
  let prefix: string;
  const nodes: { close: () => Promise<void> }[] = [];

  const start = async () => {
    const n = await node(prefix);
    nodes.push(n);
    return n;
  };

  beforeAll(async () => {
    admin = await connectTestRedis();
  });

  afterAll(() => admin.disconnect());

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.close()));
    await deleteByPrefix(admin, prefix);
  });

  describe('sum', () => {
    it('adds what every live node answers, this one included', async () => {
      const [a, b, c] = [await start(), await start(), await start()];
      a.peers.handle('consumers', ({ queue }: { queue: string }) => (queue === 'jobs' ? 1 : 0));
      b.peers.handle('consumers', () => 2);
      c.peers.handle('consumers', async () => 4);

      expect(await a.peers.sum('consumers', { queue: 'jobs' })).toBe(7);
      expect(await b.peers.sum('consumers', { queue: 'other' })).toBe(6);
    });

    it('passes the payload to every node, which acts on it', async () => {
      const [a, b] = [await start(), await start()];
      const seen: unknown[] = [];
      for (const n of [a, b]) n.peers.handle('send', (payload: unknown) => seen.push(payload) && 1);

      expect(await a.peers.sum('send', { id: 'm1', body: 'ü' })).toBe(2);
      expect(seen).toEqual([
        { id: 'm1', body: 'ü' },
        { id: 'm1', body: 'ü' },
      ]);
    });

    it('answers a list of questions in one round, one total each', async () => {
      const [a, b] = [await start(), await start()];
      a.peers.handle('consumers', ({ queue }: { queue: string }) => queue.length);
      b.peers.handle('consumers', ({ queue }: { queue: string }) => (queue === 'jobs' ? 10 : 0));

      expect(await a.peers.sumEach('consumers', [{ queue: 'jobs' }, { queue: 'x' }, { queue: 'other' }])).toEqual([14, 1, 5]);
      expect(await b.peers.sumEach('consumers', [])).toEqual([]);
    });

    it('counts 0 for a node without a handler', async () => {
      const [a] = [await start(), await start()];
      a.peers.handle('consumers', () => 3);

      expect(await a.peers.sum('consumers', {})).toBe(3);
    });

    it('stops asking a node once it has shut down', async () => {
      const [a, b] = [await start(), await start()];
      a.peers.handle('n', () => 1);
      b.peers.handle('n', () => 10);
      expect(await a.peers.sum('n', {})).toBe(11);

      await nodes.splice(1, 1)[0].close();
      await new Promise((r) => setTimeout(r, 300));

      expect(await a.peers.sum('n', {})).toBe(1);
    });

    it('keeps deployments with another prefix apart', async () => {
      const a = await start();
      a.peers.handle('n', () => 1);
      const other = await node(uniquePrefix());
      try {
        other.peers.handle('n', () => 100);

        expect(await a.peers.sum('n', {})).toBe(1);
      } finally {
        await other.close();
      }
    });
  });
});
