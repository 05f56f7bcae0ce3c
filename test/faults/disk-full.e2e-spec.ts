import { rmSync } from 'node:fs';
import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { ensureBuilt } from '../support/redis.js';
import { describeLine, FaultNode } from './fault-node.js';
import { requireRoot, SmallTmpfs } from './mounts.js';
import { expectConfirmedDelivered, expectRecovery, healthBecomes, Ledger } from './traffic.js';

/** Heavy enough that a few publishes need new pages of the database (the disk is full, not the queue). */
const PAD = 'x'.repeat(8 * 1024);
/** Publishes tried after the filler went in before giving up on writes ever failing. */
const MAX_TRIES = 3000;

/**
 * Storage fault "disk full" (issue 11): DATA_DIR on an 8 MB tmpfs that a filler file then fills up. While
 * full, writes are refused as a store outage (REST 503, socket UNAVAILABLE) and /health says 503; once the
 * filler is deleted the same process takes writes again, and nothing a producer was told is stored is lost.
 * The steps below run in order on one server.
 */
describe('storage fault: disk full (SQLite on a full tmpfs)', () => {
  const queue = fresh('disk-full');
  const ledger = new Ledger('disk');
  let disk: SmallTmpfs | undefined;
  let node: FaultNode;
  let producer: TestClient;
  let filler = '';
  let beforeFill = 0;

  beforeAll(async () => {
    requireRoot('The disk-full scenario');
    await ensureBuilt();
    disk = SmallTmpfs.mount(8 * 1024 * 1024);
    node = await FaultNode.start({ STORE: 'sqlite', DATA_DIR: disk.dir });
    producer = await connectClient(node.url, 'events');
  }, 300_000);

  afterAll(async () => {
    closeAllClients();
    await node?.kill();
    disk?.remove();
  });

  it('refuses writes once the disk is full: 503 over REST, UNAVAILABLE over a socket (not 500 / INTERNAL)', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await ledger.viaRest(node.url, queue, 'before')).status).toBe(201);
      expect(await ledger.viaSocket(producer, queue, 'before')).toMatchObject({ ok: true });
    }
    beforeFill = node.mark();
    filler = disk!.fill();

    let tries = 0;
    while (ledger.refused.size === 0 && tries < MAX_TRIES) {
      tries++;
      if (tries % 2) await ledger.viaRest(node.url, queue, PAD);
      else await ledger.viaSocket(producer, queue, PAD);
    }
    if (ledger.refused.size === 0) throw new Error(`every one of ${tries} publishes was accepted although the disk is full`);
    // The disk is still full: every further write is refused the same way, whichever edge it came through.
    for (let i = 0; i < 5; i++) {
      await ledger.viaRest(node.url, queue, PAD);
      await ledger.viaSocket(producer, queue, PAD);
    }
    expect(ledger.refusalKinds()).toEqual(['HTTP 503', 'UNAVAILABLE']);
    expect(node.running).toBe(true);
  }, 60_000);

  it('answers 503 on /health within 2 s', async () => {
    expect(await healthBecomes(node.url, 503, 2000)).toEqual({ afterMs: expect.any(Number), last: 503 });
  });

  it('logs the fault at error, naming the cause, once rather than for every refused write', () => {
    const errors = node.faultLines(beforeFill);
    expect(errors.map(describeLine)).toContainEqual(expect.stringMatching(/SQLITE_FULL|disk|full|space|ENOSPC/i));
    expect(errors.length).toBeLessThan(ledger.refused.size / 2);
  });

  it('answers 200 on /health within 2 s of the space being freed, and takes writes again, without a restart', async () => {
    if (filler) rmSync(filler, { force: true });
    await expectRecovery(node, ledger, producer, queue);
  }, 30_000);

  it('delivers every message that was confirmed, and none that was refused', async () => {
    await expectConfirmedDelivered(node.url, ledger, queue);
  }, 30_000);
});
