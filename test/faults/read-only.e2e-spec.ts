import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { ensureBuilt } from '../support/redis.js';
import { describeLine, FaultNode } from './fault-node.js';
import { requireRoot } from './mounts.js';
import { SwitchableFs } from './switchable-fs.js';
import { expectConfirmedDelivered, expectRecovery, healthBecomes, Ledger } from './traffic.js';

/**
 * Storage fault "read-only file system" (issue 11): the file system under DATA_DIR turns read-only while
 * the server runs, then writable again. Linux will not `mount -o remount,ro` a file system on which a
 * process holds files open for writing (SQLite always does: EBUSY), so DATA_DIR is a FUSE pass-through
 * (switchable-fs.ts) that answers every change with EROFS while switched. While read-only, writes are refused
 * as a store outage (REST 503, socket UNAVAILABLE) and /health says 503; once writable the same process takes
 * writes again, and nothing that was confirmed is lost. The steps below run in order on one server.
 */
describe('storage fault: DATA_DIR turns read-only under a running server', () => {
  const queue = fresh('read-only');
  const ledger = new Ledger('ro');
  let disk: SwitchableFs | undefined;
  let node: FaultNode;
  let producer: TestClient;
  let since = 0;

  beforeAll(async () => {
    requireRoot('The read-only scenario');
    await ensureBuilt();
    disk = await SwitchableFs.mount();
    node = await FaultNode.start({ STORE: 'sqlite', DATA_DIR: disk.dir });
    producer = await connectClient(node.url, 'events');
  }, 300_000);

  afterAll(async () => {
    closeAllClients();
    await node?.kill();
    await disk?.remove();
  });

  it('refuses writes while read-only: 503 over REST, UNAVAILABLE over a socket (not 500 / INTERNAL)', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await ledger.viaRest(node.url, queue, 'before')).status).toBe(201);
      expect(await ledger.viaSocket(producer, queue, 'before')).toMatchObject({ ok: true });
    }
    since = node.mark();
    disk!.readOnly();
    for (let i = 0; i < 5; i++) {
      await ledger.viaRest(node.url, queue, 'during');
      await ledger.viaSocket(producer, queue, 'during');
    }
    expect(ledger.refused.size).toBe(10);
    expect(ledger.refusalKinds()).toEqual(['HTTP 503', 'UNAVAILABLE']);
    expect({ server: node.running, fileSystem: disk!.alive || disk!.log }).toEqual({ server: true, fileSystem: true });
  }, 30_000);

  it('answers 503 on /health within 2 s', async () => {
    expect(await healthBecomes(node.url, 503, 2000)).toEqual({ afterMs: expect.any(Number), last: 503 });
  });

  it('logs the fault at error, naming the cause, once rather than for every refused write', () => {
    const errors = node.faultLines(since);
    expect(errors.map(describeLine)).toContainEqual(expect.stringMatching(/read-only|readonly|EROFS|IOERR|I\/O/i));
    expect(errors.length).toBeLessThan(ledger.refused.size / 2);
  });

  it('answers 200 on /health within 2 s of the file system being writable again, and takes writes, without a restart', async () => {
    disk!.writable();
    await expectRecovery(node, ledger, producer, queue);
  }, 30_000);

  it('delivers every message that was confirmed, and none that was refused', async () => {
    await expectConfirmedDelivered(node.url, ledger, queue);
  }, 30_000);
});
