import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DepthMonitor } from '../alarms/depth-monitor.js';
import { Clock } from '../common/clock.js';
import { NAMESPACES } from '../common/namespaces.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { Dispatcher } from '../delivery/dispatcher.js';
import { QueueService } from '../queue/queue.service.js';
import { QueueStats } from '../queue/queue-stats.js';
import { RoomService } from '../rooms/room.service.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';

type Labels = 'namespace' | 'queue';

/**
 * Prometheus metrics. Queue gauges and totals are read from the store at scrape time, so they are the
 * same on every node of a cluster; `delivered` and the latency histogram count what this node did.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly delivered: Counter<Labels>;
  private readonly ackLatency: Histogram<'namespace'>;

  constructor(
    private readonly queues: QueueService,
    private readonly rooms: RoomService,
    dispatcher: Dispatcher,
    alarms: DepthMonitor,
    clock: Clock,
    @Inject(MESSAGE_STORE) store: MessageStore,
    connections: ConnectionRegistry,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'courier_' });
    const resets = new Counter({
      name: 'courier_store_resets_total',
      help: 'Times this node found that the store had lost its data (a Redis restarted empty or flushed)',
      registers: [this.registry],
    });
    store.onReset(async () => resets.inc());
    const snapshot = () => this.snapshot();
    const gauge = (name: string, help: string, pick: (s: QueueStats, ns: string) => number) =>
      new Gauge<Labels>({
        name,
        help,
        labelNames: ['namespace', 'queue'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const [ns, stats] of await snapshot()) for (const s of stats) this.set({ namespace: ns, queue: s.name }, pick(s, ns));
        },
      });
    const total = (name: string, help: string, pick: (s: QueueStats) => number) =>
      new Counter<Labels>({
        name,
        help,
        labelNames: ['namespace', 'queue'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const [ns, stats] of await snapshot()) for (const s of stats) this.inc({ namespace: ns, queue: s.name }, pick(s));
        },
      });
    gauge('courier_queue_ready', 'Messages ready for delivery', (s) => s.ready);
    gauge('courier_queue_in_flight', 'Messages delivered and not yet acked', (s) => s.inFlight);
    gauge('courier_queue_delayed', 'Messages waiting for their delay (or a nack delay)', (s) => s.delayed);
    gauge('courier_queue_dead_lettered', 'Messages dead-lettered and not redriven', (s) => s.deadLettered);
    gauge('courier_queue_consumers', 'Live consumers of the queue', (s) => s.consumers);
    gauge('courier_queue_depth_alarm', '1 while the queue is above DEPTH_ALARM (until it falls below half)', (s, ns) =>
      Number(alarms.isAlarmed(ns, s.name)),
    );
    gauge('courier_queue_oldest_ready_age_seconds', 'Age of the oldest ready message', (s) => s.oldestReadyAgeMs / 1000);
    total('courier_queue_published_total', 'Messages published since the queue was created', (s) => s.published);
    total('courier_queue_acked_total', 'Messages acked since the queue was created', (s) => s.acked);
    total('courier_queue_redelivered_total', 'Deliveries after the first since the queue was created', (s) => s.redelivered);
    new Gauge<'namespace'>({
      name: 'courier_connections',
      help: 'Connected sockets per namespace',
      labelNames: ['namespace'],
      registers: [this.registry],
      collect: async function (this: Gauge<'namespace'>) {
        for (const ns of NAMESPACES) this.set({ namespace: ns }, await connections.total(ns));
      },
    });
    this.delivered = new Counter<Labels>({
      name: 'courier_delivered_total',
      help: 'Deliveries made by this node (queues and room copies)',
      labelNames: ['namespace', 'queue'],
      registers: [this.registry],
    });
    this.ackLatency = new Histogram<'namespace'>({
      name: 'courier_publish_to_ack_seconds',
      help: 'Time from publish to ack, for messages acked through this node',
      labelNames: ['namespace'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers: [this.registry],
    });
    dispatcher.onAck((channel, publishedAt) => {
      const now = clock.now();
      for (const at of publishedAt) this.ackLatency.observe({ namespace: channel.ns }, Math.max(0, now - at) / 1000);
    });
    dispatcher.onDeliver((channel, deliveries) => {
      if (channel.kind === 'queue') this.delivered.inc({ namespace: channel.ns, queue: channel.name }, deliveries.length);
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }


  private scrape: Promise<[string, QueueStats[]][]> | null = null;

  /** One store read per scrape, shared by every queue series. */
  private snapshot(): Promise<[string, QueueStats[]][]> {
    if (!this.scrape) {
      this.scrape = Promise.all(NAMESPACES.map(async (ns) => [ns, await this.queues.list(ns)] as [string, QueueStats[]]));
      void this.scrape.finally(() => setImmediate(() => (this.scrape = null))).catch(() => undefined);
    }
    return this.scrape;
  }
}
