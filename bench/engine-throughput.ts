/**
 * Engine throughput: one producer and one consumer driving QueueService in process (no sockets, no HTTP),
 * over the SQLite store in a temp dir and over the memory store. See bench/README.md.
 *
 *   npm run bench:engine
 *   BENCH_MESSAGES=20000 BENCH_ONLY=sqlite/single npm run bench:engine
 *
 * Producer: about 1000 publishes outstanding (single publishes, or publishBatch of 100 with 10 batches
 * outstanding). Consumer: prefetch 1000, acks what it was handed with one QueueService.ack call per
 * event-loop turn. Figures: end to end (first publish → last ack confirmed) and producer-confirmed
 * (first publish → last publish confirmed) in messages per second, and main-thread CPU per message.
 */
import { AckingConsumer } from './acking-consumer.js';
import { startEngine } from './engine-context.js';
import { produce } from './windowed-producer.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const WINDOW = 1000;
const BATCH = 100;
const PREFETCH = 1000;
const PAYLOAD_BYTES = 256;
const NS = 'events';
const QUEUE = 'bench';

interface Scenario {
  readonly store: 'sqlite' | 'memory';
  readonly producer: 'single' | 'batch';
}

interface Result {
  readonly e2e: number;
  readonly produced: number;
  readonly seconds: number;
  /** Process CPU (user + system) per message: steadier than wall time on a shared machine. */
  readonly cpuUs: number;
  readonly p50: number;
  readonly p99: number;
}

/** A JSON payload whose encoding is exactly PAYLOAD_BYTES long. */
function payloadOf(i: number): { seq: number; body: string } {
  const bare = JSON.stringify({ seq: i, body: '' }).length;
  return { seq: i, body: 'x'.repeat(PAYLOAD_BYTES - bare) };
}

async function run(scenario: Scenario): Promise<Result> {
  const engine = await startEngine(scenario.store);
  const { queues } = engine;
  const consumer = new AckingConsumer(queues, NS, 'bench-consumer');
  await queues.subscribe(NS, QUEUE, consumer, PREFETCH);
  const allAcked = consumer.until(MESSAGES);

  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  await produce(queues, NS, QUEUE, MESSAGES, { perCall: scenario.producer === 'single' ? 1 : BATCH, window: WINDOW, payload: payloadOf });
  const producedAt = performance.now();
  await allAcked;
  const endedAt = performance.now();
  const cpu = process.cpuUsage(cpuAtStart);

  const stats = await queues.stats(NS, QUEUE);
  if (!stats || stats.acked !== MESSAGES || stats.ready + stats.inFlight + stats.delayed !== 0) {
    throw new Error(`the run left the queue inconsistent: ${JSON.stringify(stats)}`);
  }
  await engine.close();

  const latencies = consumer.latencies.sort((a, b) => a - b);
  const seconds = (endedAt - started) / 1000;
  return {
    seconds,
    e2e: MESSAGES / seconds,
    produced: MESSAGES / ((producedAt - started) / 1000),
    cpuUs: (cpu.user + cpu.system) / MESSAGES,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY; // e.g. "sqlite/single"
  const scenarios: Scenario[] = [
    { store: 'sqlite', producer: 'single' },
    { store: 'sqlite', producer: 'batch' },
    { store: 'memory', producer: 'single' },
    { store: 'memory', producer: 'batch' },
  ];
  console.log(
    `engine throughput: ${MESSAGES.toLocaleString('en-US')} messages of ${PAYLOAD_BYTES} B, window ${WINDOW}, prefetch ${PREFETCH}, ` +
      `median of ${ROUNDS} run(s), Node ${process.version}`,
  );
  console.log('store   producer        e2e msg/s   produced msg/s   CPU µs/msg   publish→deliver p50/p99 ms');
  for (const scenario of scenarios) {
    if (only && only !== `${scenario.store}/${scenario.producer}`) continue;
    const results: Result[] = [];
    for (let i = 0; i < ROUNDS; i++) results.push(await run(scenario));
    const producer = scenario.producer === 'single' ? 'publish' : `batch ${BATCH}`;
    console.log(
      `${scenario.store.padEnd(7)} ${producer.padEnd(13)} ${rate(median(results.map((r) => r.e2e))).padStart(11)} ` +
        `${rate(median(results.map((r) => r.produced))).padStart(16)} ${median(results.map((r) => r.cpuUs)).toFixed(1).padStart(12)}   ` +
        `${median(results.map((r) => r.p50))}/${median(results.map((r) => r.p99))}`,
    );
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
