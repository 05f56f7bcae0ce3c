import { QueueService } from '../src/queue/queue.service.js';

export interface ProducerOptions {
  /** Messages per call: 1 = QueueService.publish, more = publishBatch. */
  readonly perCall: number;
  /** Messages published and not yet confirmed, at most. */
  readonly window: number;
  /** Payload of message number `i`. */
  readonly payload: (i: number) => unknown;
}

/**
 * Publishes `count` messages keeping about `window` of them outstanding, and resolves when every one is
 * confirmed (durable). The window is topped up once per event-loop turn, as publishes arriving on sockets
 * would be: a loop driven by promise callbacks alone would never let a consumer's turn come (memory store).
 */
export function produce(queues: QueueService, ns: string, queue: string, count: number, options: ProducerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let outstanding = 0;
    let confirmed = 0;
    let scheduled = false;
    const pump = (): void => {
      scheduled = false;
      while (outstanding < options.window && next < count) {
        const from = next;
        next = Math.min(count, next + options.perCall);
        const inputs = Array.from({ length: next - from }, (_, k) => ({ payload: options.payload(from + k) }));
        outstanding += inputs.length;
        const publishing = inputs.length === 1 && options.perCall === 1 ? queues.publish(ns, queue, inputs[0]) : queues.publishBatch(ns, queue, inputs);
        publishing.then(() => {
          outstanding -= inputs.length;
          confirmed += inputs.length;
          if (confirmed === count) resolve();
          else if (!scheduled) {
            scheduled = true;
            setImmediate(pump);
          }
        }, reject);
      }
    };
    if (count === 0) resolve();
    else pump();
  });
}
