/**
 * Engine throughput on STORE=redis: bench/engine-throughput.ts's producer and consumer (QueueService in
 * process, no sockets, no HTTP) against the Redis at REDIS_URL, under a prefix of its own that is deleted
 * afterwards. The `2 nodes` rows publish on one engine and consume on another (same process, same Redis),
 * so every wake crosses Redis pub/sub as it does between two nodes. See docs/redis.md.
 *
 *   npm run bench:redis
 *   BENCH_MESSAGES=20000 BENCH_ONLY=1/batch npm run bench:redis
 */
import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { CommonModule } from '../src/common/common.module.js';
import { CourierConfigModule } from '../src/config/config.module.js';
import { QueueModule } from '../src/queue/queue.module.js';
import { QueueService } from '../src/queue/queue.service.js';
import { StoreModule } from '../src/store/store.module.js';
import { AckingConsumer } from './acking-consumer.js';
import { produce } from './windowed-producer.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const WINDOW = 1000;
const BATCH = 100;
const PREFETCH = 1000;
const PAYLOAD_BYTES = 256;
const NS = 'events';
const QUEUE = 'bench';

@Module({})
class EngineModule {}

async function startEngine(prefix: string): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(
    {
      module: EngineModule,
      imports: [
        CourierConfigModule.forRoot({ STORE: 'redis', REDIS_URL, REDIS_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'error' }),
        CommonModule,
        StoreModule,
        QueueModule,
      ],
    },
    { logger: ['error'] },
  );
  await app.init();
  return app;
}

function payloadOf(i: number): { seq: number; body: string } {
  const bare = JSON.stringify({ seq: i, body: '' }).length;
  return { seq: i, body: 'x'.repeat(PAYLOAD_BYTES - bare) };
}

interface Scenario {
  readonly nodes: 1 | 2;
  readonly producer: 'single' | 'batch';
}

async function run(scenario: Scenario): Promise<string> {
  const prefix = `courier-bench:${randomBytes(4).toString('hex')}:`;
  const producerApp = await startEngine(prefix);
  const consumerApp = scenario.nodes === 2 ? await startEngine(prefix) : producerApp;
  try {
    const consumerQueues = consumerApp.get(QueueService);
    const consumer = new AckingConsumer(consumerQueues, NS, 'bench-consumer');
    await consumerQueues.subscribe(NS, QUEUE, consumer, PREFETCH);
    const allAcked = consumer.until(MESSAGES);

    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    const perCall = scenario.producer === 'single' ? 1 : BATCH;
    await produce(producerApp.get(QueueService), NS, QUEUE, MESSAGES, { perCall, window: WINDOW, payload: payloadOf });
    const producedAt = performance.now();
    await allAcked;
    const endedAt = performance.now();
    const cpu = process.cpuUsage(cpuAtStart);

    const stats = await consumerQueues.stats(NS, QUEUE);
    if (!stats || stats.acked !== MESSAGES || stats.ready + stats.inFlight + stats.delayed !== 0) {
      throw new Error(`the run left the queue inconsistent: ${JSON.stringify(stats)}`);
    }
    const latencies = consumer.latencies.sort((a, b) => a - b);
    const rate = (ms: number) => Math.round(MESSAGES / (ms / 1000)).toLocaleString('en-US');
    const producer = scenario.producer === 'single' ? 'publish' : `batch ${BATCH}`;
    return (
      `${`${scenario.nodes}`.padEnd(6)} ${producer.padEnd(10)} ${rate(endedAt - started).padStart(11)} ${rate(producedAt - started).padStart(16)} ` +
      `${((cpu.user + cpu.system) / MESSAGES).toFixed(1).padStart(12)}   ` +
      `${latencies[Math.floor(latencies.length * 0.5)]}/${latencies[Math.floor(latencies.length * 0.99)]}`
    );
  } finally {
    if (consumerApp !== producerApp) await consumerApp.close();
    await producerApp.close();
    await deletePrefix(prefix);
  }
}

async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY; // e.g. "1/batch"
  const scenarios: Scenario[] = [
    { nodes: 1, producer: 'single' },
    { nodes: 1, producer: 'batch' },
    { nodes: 2, producer: 'single' },
    { nodes: 2, producer: 'batch' },
  ];
  console.log(
    `redis throughput: ${MESSAGES.toLocaleString('en-US')} messages of ${PAYLOAD_BYTES} B, window ${WINDOW}, prefetch ${PREFETCH}, ` +
      `Node ${process.version}, ${REDIS_URL.replace(/\/\/[^@]*@/, '//')}`,
  );
  console.log('nodes  producer     e2e msg/s   produced msg/s   CPU µs/msg   publish→deliver p50/p99 ms');
  for (const scenario of scenarios) {
    if (only && only !== `${scenario.nodes}/${scenario.producer}`) continue;
    console.log(await run(scenario));
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
