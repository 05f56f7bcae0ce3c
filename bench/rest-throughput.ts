/**
 * REST publish throughput against a running server: single publishes (requests/s) and batches of 1000
 * (messages/s), each from a number of keep-alive connections for a fixed time. Every answer must be a 201;
 * the queues used are purged at the end.
 *
 *   npm run build && STORE=sqlite DATA_DIR=/tmp/courier-bench node dist/main.js > /dev/null &
 *   node --import ./bench/register-ts.mjs bench/rest-throughput.ts
 *   BENCH_URL=http://127.0.0.1:3000 BENCH_SECONDS=10 BENCH_SINGLE_CONNECTIONS=64 BENCH_BATCH_CONNECTIONS=4 ...
 *
 * The load generator runs in its own process, so on a small machine it competes with the server for CPU:
 * the figures are a floor for the server, not a ceiling.
 */
import { Agent, request } from 'node:http';

const BASE = new URL(process.env.BENCH_URL ?? 'http://127.0.0.1:3000');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SINGLE_CONNECTIONS = Number(process.env.BENCH_SINGLE_CONNECTIONS ?? 64);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 4);
const BATCH_SIZE = 1000;
const NS = 'events';

/** A typical small order event, about 150 bytes of JSON. */
const payload = (i: number) => ({ orderId: `A-${i}`, store: 'acme-widgets', customer: 'Ada Lovelace', address: '1 Analytical Way', items: 3 });

interface Answer {
  status: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: Math.max(SINGLE_CONNECTIONS, BATCH_CONNECTIONS) });

function send(method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: BASE.hostname, port: BASE.port, path, method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Run {
  requests: number;
  messages: number;
  seconds: number;
  latenciesMs: number[];
}

/** `connections` loops, each sending the next body as soon as the previous answer came, for SECONDS. */
async function load(connections: number, path: string, body: (i: number) => string, messagesPerRequest: number): Promise<Run> {
  let next = 0;
  let requests = 0;
  const latenciesMs: number[] = [];
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const sentAt = performance.now();
        const answer = await send('POST', path, body(next++));
        if (answer.status !== 201) throw new Error(`expected 201, got ${answer.status}: ${answer.body.slice(0, 200)}`);
        latenciesMs.push(performance.now() - sentAt);
        requests++;
      }
    }),
  );
  return { requests, messages: requests * messagesPerRequest, seconds: (performance.now() - start) / 1000, latenciesMs };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(name: string, run: Run): void {
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  console.log(
    `${name}: ${Math.round(run.requests / run.seconds)} requests/s, ${Math.round(run.messages / run.seconds)} messages/s ` +
      `(${run.requests} requests in ${run.seconds.toFixed(1)} s; latency p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms)`,
  );
}

async function main(): Promise<void> {
  const health = await send('GET', '/health');
  if (health.status !== 200) throw new Error(`${BASE.href}health answered ${health.status}; start the server first`);
  const runId = Date.now().toString(36);
  const singleQueue = `bench-single-${runId}`;
  const batchQueue = `bench-batch-${runId}`;
  console.log(`REST publish throughput against ${BASE.origin}: ${SECONDS} s per scenario`);

  // Warm-up: JIT, SQLite page cache, first-use paths.
  await load(8, `/api/namespaces/${NS}/queues/${singleQueue}/messages`, (i) => JSON.stringify({ payload: payload(i) }), 1);

  const single = await load(SINGLE_CONNECTIONS, `/api/namespaces/${NS}/queues/${singleQueue}/messages`, (i) => JSON.stringify({ payload: payload(i) }), 1);
  report(`single publish, ${SINGLE_CONNECTIONS} connections`, single);

  const batchBody = (i: number) => JSON.stringify({ messages: Array.from({ length: BATCH_SIZE }, (_, j) => ({ payload: payload(i * BATCH_SIZE + j) })) });
  const batch = await load(BATCH_CONNECTIONS, `/api/namespaces/${NS}/queues/${batchQueue}/messages`, batchBody, BATCH_SIZE);
  report(`batch of ${BATCH_SIZE}, ${BATCH_CONNECTIONS} connections`, batch);

  for (const queue of [singleQueue, batchQueue]) await send('DELETE', `/api/namespaces/${NS}/queues/${queue}/messages`);
  agent.destroy();
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
