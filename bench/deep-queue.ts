/**
 * Deep queue on SQLite: does a backlog of 1,000,000 ready messages slow publishing or consuming down, and
 * does the process hold it in memory? See bench/README.md.
 *
 *   npm run bench:deep
 *   BENCH_DEPTH=200000 npm run bench:deep
 *
 * 1. near-empty claim+ack: 100 rounds of (publish 1000 untimed; a consumer with prefetch 1000 is handed them
 *    and acks them in one call, timed), so the queue never holds more than 1000.
 * 2. publish rate of the first 100k (empty queue) and of the last 100k (queue already at depth − 100k),
 *    with publishBatch of 100 and 10 batches outstanding; the rest is filled in between, untimed.
 * 3. RSS and heap with the backlog sitting there, against the RSS before it, and how long stats() takes.
 * 4. claim+ack at depth: the same 100 rounds of 1000, taken from the head of the deep queue.
 */
import { startEngine } from './engine-context.js';
import { produce } from './windowed-producer.js';
import { QueueService } from '../src/queue/queue.service.js';
import { Delivery } from '../src/store/stored-message.js';

const DEPTH = Number(process.env.BENCH_DEPTH ?? 1_000_000);
const SAMPLE = Math.min(100_000, DEPTH / 2);
const ROUND = 1000;
const NS = 'events';
const PAYLOAD_BYTES = 256;

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const delta = (bytes: number): string => `${bytes < 0 ? '−' : '+'}${mb(Math.abs(bytes))}`;
/** Wall time and process CPU time of a phase; CPU per message is steadier than wall time on a shared machine. */
interface Timing {
  ms: number;
  cpuMs: number;
}
const rate = (n: number, t: Timing): string =>
  `${Math.round((n / t.ms) * 1000).toLocaleString('en-US').padStart(7)} msg/s, ${((t.cpuMs * 1000) / n).toFixed(1).padStart(5)} µs CPU/msg`;

async function timed(work: () => Promise<void>): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

function payloadOf(i: number): { seq: number; body: string } {
  const bare = JSON.stringify({ seq: i, body: '' }).length;
  return { seq: i, body: 'x'.repeat(PAYLOAD_BYTES - bare) };
}

function memory(): { rss: number; heap: number } {
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

function fill(queues: QueueService, queue: string, count: number): Promise<void> {
  return produce(queues, NS, queue, count, { perCall: 100, window: 1000, payload: payloadOf });
}

/**
 * Takes and acks `rounds` × ROUND messages from the head of `queue` (publishing each round first when
 * `refill`): a consumer with prefetch ROUND is handed ROUND messages, narrows its prefetch to 1 so that acking
 * does not claim the next ROUND, acks them in one call and leaves.
 */
async function claimAndAck(queues: QueueService, queue: string, rounds: number, refill: boolean): Promise<Timing> {
  const total: Timing = { ms: 0, cpuMs: 0 };
  for (let r = 0; r < rounds; r++) {
    if (refill) await fill(queues, queue, ROUND);
    const ids: string[] = [];
    let handed: () => void = () => undefined;
    const allHanded = new Promise<void>((resolve) => (handed = resolve));
    const consumer = {
      id: `consumer-${queue}-${r}`,
      deliver(deliveries: readonly Delivery[]) {
        for (const d of deliveries) ids.push(d.id);
        if (ids.length >= ROUND) handed();
      },
    };
    const t = await timed(async () => {
      await queues.subscribe(NS, queue, consumer, ROUND);
      await allHanded;
      await queues.subscribe(NS, queue, consumer, 1);
      const acked = await queues.ack(NS, consumer.id, ids.slice(0, ROUND));
      if (acked.length !== ROUND) throw new Error(`acked ${acked.length} of ${ROUND}`);
    });
    total.ms += t.ms;
    total.cpuMs += t.cpuMs;
    await queues.unsubscribe(NS, queue, consumer.id);
  }
  return total;
}

async function main(): Promise<void> {
  if (!gc) console.log('(run with --expose-gc for steadier memory figures)');
  console.log(`deep queue: ${DEPTH.toLocaleString('en-US')} ready messages of ${PAYLOAD_BYTES} B on SQLite, Node ${process.version}`);
  const engine = await startEngine('sqlite');
  const { queues } = engine;
  try {
    const rounds = SAMPLE / ROUND;
    const shallow = await claimAndAck(queues, 'shallow', rounds, true);
    console.log(`claim+ack, near-empty queue (≤ ${ROUND}):     ${rate(SAMPLE, shallow)}`);
    const before = memory();
    console.log(`memory before the backlog:                 RSS ${mb(before.rss)}, heap ${mb(before.heap)}`);

    const first = await timed(() => fill(queues, 'deep', SAMPLE));
    console.log(`publish, first ${SAMPLE.toLocaleString('en-US')} (empty queue):       ${rate(SAMPLE, first)}`);
    const middle = DEPTH - 2 * SAMPLE;
    if (middle > 0) {
      const between = await timed(() => fill(queues, 'deep', middle));
      console.log(`publish, the ${middle.toLocaleString('en-US')} in between:        ${rate(middle, between)}`);
    }
    const last = await timed(() => fill(queues, 'deep', SAMPLE));
    console.log(`publish, last ${SAMPLE.toLocaleString('en-US')} (at depth):         ${rate(SAMPLE, last)}`);

    const stats = await queues.stats(NS, 'deep');
    if (stats?.ready !== DEPTH) throw new Error(`expected ${DEPTH} ready, got ${JSON.stringify(stats)}`);
    const after = memory();
    console.log(
      `memory with ${DEPTH.toLocaleString('en-US')} ready:             RSS ${mb(after.rss)} (${delta(after.rss - before.rss)}), ` +
        `heap ${mb(after.heap)} (${delta(after.heap - before.heap)})`,
    );
    const statsStarted = performance.now();
    await queues.stats(NS, 'deep');
    console.log(`stats() of the deep queue:                 ${(performance.now() - statsStarted).toFixed(1)} ms`);

    const deep = await claimAndAck(queues, 'deep', rounds, false);
    console.log(`claim+ack, at depth (${(DEPTH / 1000).toLocaleString('en-US')}k → ${((DEPTH - SAMPLE) / 1000).toLocaleString('en-US')}k):   ${rate(SAMPLE, deep)}`);
    const end = memory();
    console.log(`memory at the end:                         RSS ${mb(end.rss)}, heap ${mb(end.heap)}`);
  } finally {
    await engine.close();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
