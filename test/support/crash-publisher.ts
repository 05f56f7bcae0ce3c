/**
 * Child process of test/store/crash.e2e-spec.ts: loads a SQLite store until it is killed with SIGKILL.
 *
 *   node crash-publisher.js <dataDir>
 *
 * Prints `READY` once the store is open, then one line per settled operation, only after its promise
 * resolved (so after its commit): `P <id>` per published message, `C <id>` before acking a message and
 * `A <id>` once that ack resolved. The parent kills it mid-load and checks the file against these lines.
 */
import { writeSync } from 'node:fs';
import { SqliteMessageStore } from '../../src/store/sqlite/sqlite-message-store.js';
import type { MessageStore } from '../../src/store/message-store.js';
import type { Channel, NewMessage } from '../../src/store/stored-message.js';

const PUBLISHERS = 8;
const CONSUMERS = 2;
const BATCH = 10;

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-publisher <dataDir>');
const channel: Channel = { ns: 'crash', kind: 'queue', name: 'load', client: '' };

/** Writes whole lines straight to fd 1, so nothing waits in a buffer when the kill comes. */
function emit(lines: string[]): void {
  if (lines.length === 0) return;
  const data = Buffer.from(lines.join('\n') + '\n');
  for (let offset = 0; offset < data.length; ) {
    try {
      offset += writeSync(1, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

const message = (publisher: number, n: number, i: number): NewMessage => ({
  payload: JSON.stringify({ publisher, n, i }),
  headers: {},
  priority: (n + i) % 3,
  delayMs: 0,
  ttlMs: 0,
  key: '',
});

async function publisher(index: number, store: MessageStore): Promise<never> {
  for (let n = 0; ; n++) {
    const batch = n % 3 === 2 ? Array.from({ length: BATCH }, (_, i) => message(index, n, i)) : [message(index, n, 0)];
    const results = await store.enqueue(channel, batch, Date.now());
    emit(results.map((r) => `P ${r.id}`));
  }
}

async function consumer(index: number, store: MessageStore): Promise<never> {
  const holder = `crash/consumer${index}`;
  for (;;) {
    const now = Date.now();
    const { deliveries } = await store.claimNext(channel, holder, 5, now, now + 3_600_000);
    // Every other delivery is acked; the rest stay in flight until the parent recovers them.
    const refs = deliveries.filter((_, i) => i % 2 === 0).map((d) => ({ id: d.id, client: '' }));
    if (refs.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    emit(refs.map((r) => `C ${r.id}`));
    const acked = await store.ack(channel.ns, refs, holder, Date.now());
    emit(acked.map((r) => `A ${r.id}`));
  }
}

const store: MessageStore = new SqliteMessageStore(dataDir);
await store.open();
emit(['READY']);
await Promise.all([
  ...Array.from({ length: PUBLISHERS }, (_, i) => publisher(i, store)),
  ...Array.from({ length: CONSUMERS }, (_, i) => consumer(i, store)),
]);
