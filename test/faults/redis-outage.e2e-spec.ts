import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { connectTestRedis, ensureBuilt, PrivateRedis, uniquePrefix } from '../support/redis.js';
import { sleep } from '../support/wait-for.js';
import { describeLine, FaultNode, LEVEL } from './fault-node.js';
import { drain, health, healthBecomes, Ledger, NS } from './traffic.js';

/** How long Redis stays away before it is started again on the same directory. */
const OUTAGE_MS = 2000;

/**
 * Storage fault "Redis killed mid-publish and restarted with its append-only file": producers over REST and
 * over a socket publish without pause while the node's private redis-server is killed (-9: no chance to
 * flush anything more; with `appendfsync always` every write it answered is already on disk) and started
 * again on the same directory.
 * During the outage writes are refused as a store outage and /health says 503; afterwards the same Courier
 * process takes writes again, and every publish that was confirmed is delivered.
 */
describe('storage fault: Redis killed mid-publish and restarted with its AOF', () => {
  const queue = fresh('outage');
  const ledger = new Ledger('outage');
  let redis: PrivateRedis | undefined;
  let node: FaultNode;
  let dataDir = '';
  let producer: TestClient;
  let since = 0;
  /** /health answers seen while Redis was down. */
  const outageHealth: number[] = [];
  let refusedDuringOutage = { rest: 0, socket: 0 };
  let recoveredAfterMs: number | null = null;
  let confirmedAfterRecovery = 0;

  beforeAll(async () => {
    await ensureBuilt();
    redis = await PrivateRedis.start();
    dataDir = mkdtempSync(join(tmpdir(), 'courier-outage-'));
    node = await FaultNode.start({ STORE: 'redis', REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix(), DATA_DIR: dataDir });
    producer = await connectClient(node.url, NS);
    since = node.mark();

    // Both producers run flat out for the whole scenario; the outage happens under them.
    let running = true;
    const produce = async (send: () => Promise<unknown>) => {
      while (running) {
        await send();
        await sleep(2);
      }
    };
    const producers = Promise.all([produce(() => ledger.viaRest(node.url, queue)), produce(() => ledger.viaSocket(producer, queue))]);
    try {
      await sleep(1000);
      const refusedBefore = countRefusals(ledger);
      await killRedis(redis);
      const until = Date.now() + OUTAGE_MS;
      while (Date.now() < until) {
        outageHealth.push(await health(node.url));
        await sleep(200);
      }
      const refusedAfter = countRefusals(ledger);
      refusedDuringOutage = { rest: refusedAfter.rest - refusedBefore.rest, socket: refusedAfter.socket - refusedBefore.socket };
      await redis.start();
      ({ afterMs: recoveredAfterMs } = await healthBecomes(node.url, 200, 10_000));
      const confirmedAtRecovery = ledger.confirmed.size;
      await sleep(1000);
      confirmedAfterRecovery = ledger.confirmed.size - confirmedAtRecovery;
    } finally {
      running = false;
      await producers;
    }
  }, 300_000);

  afterAll(async () => {
    closeAllClients();
    await node?.kill();
    await redis?.remove();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses writes during the outage with 503 over REST and UNAVAILABLE over a socket (not 500 / INTERNAL)', () => {
    expect(refusedDuringOutage.rest).toBeGreaterThan(0);
    expect(refusedDuringOutage.socket).toBeGreaterThan(0);
    expect(ledger.refusalKinds()).toEqual(['HTTP 503', 'UNAVAILABLE']);
  });

  it('answers 503 on /health while Redis is down', () => {
    // The first probe may still see the last good answer; within a second it must be 503.
    expect(outageHealth.slice(5)).toEqual(outageHealth.slice(5).map(() => 503));
    expect(outageHealth).toContain(503);
  });

  it('logs the outage (at warn or error), and not once per refused write', () => {
    const lines = node.faultLines(since, LEVEL.warn);
    expect(lines.map(describeLine)).toContainEqual(expect.stringMatching(/redis|ECONNREFUSED|unavailable|unreachable/i));
    expect(lines.length).toBeLessThan(ledger.refused.size / 2);
  });

  it('answers 200 on /health again and takes writes once Redis is back, without a restart', () => {
    expect(recoveredAfterMs).not.toBeNull();
    expect(confirmedAfterRecovery).toBeGreaterThan(0);
    expect(node.running).toBe(true);
  });

  it('delivers every publish that was confirmed', async () => {
    expect(ledger.confirmed.size).toBeGreaterThan(0);
    const got = await drain(node.url, queue, ledger.confirmed, { timeoutMs: 20_000 });
    expect({ missing: got.missing.length, of: ledger.confirmed.size }).toEqual({ missing: 0, of: ledger.confirmed.size });
  }, 30_000);
});

/** kill -9 of the redis-server, found by the pid it reports; resolves once it is gone. */
async function killRedis(redis: PrivateRedis): Promise<void> {
  const client = await connectTestRedis(redis.url);
  const info = await client.info('server');
  client.disconnect();
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!pid) throw new Error(`no process_id in INFO server of ${redis.url}`);
  process.kill(pid, 'SIGKILL');
  // stop() now only waits for the exit of the process it started.
  await redis.stop();
}

function countRefusals(ledger: Ledger): { rest: number; socket: number } {
  let rest = 0;
  let socket = 0;
  for (const pid of ledger.refused.keys()) {
    if (pid.includes('-rest-')) rest++;
    else socket++;
  }
  return { rest, socket };
}
