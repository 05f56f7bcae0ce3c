import { Consumer } from '../src/delivery/consumer.js';
import { QueueService } from '../src/queue/queue.service.js';
import { Delivery } from '../src/store/stored-message.js';

/**
 * A consumer as a fast client behaves: it collects the ids it is handed and acks them with one
 * QueueService.ack call per event-loop turn. `until(n)` resolves once n acks in total are confirmed.
 */
export class AckingConsumer implements Consumer {
  acked = 0;
  /** Publish → delivery times in ms (publishedAt has ms resolution). */
  readonly latencies: number[] = [];
  private pending: string[] = [];
  private scheduled = false;
  private target = Infinity;
  private reached: () => void = () => undefined;

  constructor(
    private readonly queues: QueueService,
    private readonly ns: string,
    readonly id: string,
  ) {}

  deliver(deliveries: readonly Delivery[]): void {
    const now = Date.now();
    for (const d of deliveries) {
      this.pending.push(d.id);
      this.latencies.push(now - d.publishedAt);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  until(total: number): Promise<void> {
    this.target = total;
    return this.acked >= total ? Promise.resolve() : new Promise((resolve) => (this.reached = resolve));
  }

  private async flush(): Promise<void> {
    const ids = this.pending;
    this.pending = [];
    this.scheduled = false;
    // Await first: `acked += await …` would read `acked` before the await and lose the count of a flush
    // that finished meanwhile (flushes overlap when acks take longer than a turn, as on Redis).
    const settled = await this.queues.ack(this.ns, this.id, ids);
    this.acked += settled.length;
    if (this.acked >= this.target) this.reached();
  }
}
