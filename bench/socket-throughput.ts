/**
 * Messages/s through ONE Socket.IO consumer against a running server: a queue is filled with publishBatch
 * (1000 per event), then one socket subscribes and acks what it gets — either each message with its own
 * `ack { id }` (as simple clients do) or every message received in one event-loop turn with one
 * `ack { ids }`. The time runs from `subscribe` to the last ack's answer; the queue must end empty.
 *
 *   npm run build && STORE=sqlite DATA_DIR=/tmp/courier-bench node dist/main.js > /dev/null &
 *   node --import ./bench/register-ts.mjs bench/socket-throughput.ts
 *   BENCH_URL=http://127.0.0.1:3000 BENCH_MESSAGES=50000 BENCH_PREFETCH=100 ...
 *
 * The client runs in its own process and competes with the server for CPU on a small machine.
 */
import { io, Socket } from 'socket.io-client';

const URL_ = process.env.BENCH_URL ?? 'http://127.0.0.1:3000';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50000);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 100);
const BATCH = 1000;

/** A typical small order event, about 150 bytes of JSON. */
const payload = (i: number) => ({ orderId: `A-${i}`, store: 'acme-widgets', customer: 'Ada Lovelace', address: '1 Analytical Way', items: 3 });

async function connect(): Promise<Socket> {
  const socket = io(`${URL_}/events`, { transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function request(socket: Socket, event: string, body: unknown): Promise<any> {
  const answer = await socket.timeout(60_000).emitWithAck(event, body);
  if (!answer.ok) throw new Error(`${event}: ${JSON.stringify(answer.error)}`);
  return answer;
}

async function fill(queue: string): Promise<void> {
  const producer = await connect();
  for (let sent = 0; sent < MESSAGES; sent += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, MESSAGES - sent) }, (_, i) => ({ payload: payload(sent + i) }));
    await request(producer, 'publishBatch', { queue, messages });
  }
  producer.disconnect();
}

/** Drains the queue through one consumer; returns messages/s. */
async function drain(queue: string, mode: 'single' | 'batched'): Promise<number> {
  const consumer = await connect();
  let acked = 0;
  let pending: string[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const count = (n: number) => {
    acked += n;
    if (acked >= MESSAGES) done();
  };
  consumer.on('message', (m: { id: string }) => {
    if (mode === 'single') {
      consumer.emit('ack', { id: m.id }, (a: { ok: boolean }) => a.ok && count(1));
      return;
    }
    if (pending.length === 0) {
      setImmediate(() => {
        const ids = pending;
        pending = [];
        consumer.emit('ack', { ids }, (a: { acked: number }) => count(a.acked));
      });
    }
    pending.push(m.id);
  });
  const start = performance.now();
  await request(consumer, 'subscribe', { queue, prefetch: PREFETCH });
  await finished;
  const seconds = (performance.now() - start) / 1000;
  consumer.disconnect();
  return MESSAGES / seconds;
}

async function main(): Promise<void> {
  console.log(`${MESSAGES} messages of ~150 B, one consumer, prefetch ${PREFETCH}, server ${URL_}`);
  for (const mode of ['single', 'batched'] as const) {
    const queue = `bench-socket-${mode}-${Date.now()}`;
    await fill(queue);
    const rate = await drain(queue, mode);
    console.log(`  ack ${mode === 'single' ? '{ id } per message ' : '{ ids } per turn   '}: ${Math.round(rate)} messages/s`);
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
