import { Delivery } from '../../src/store/stored-message.js';

/** Lets the dispatcher's claims and the store's commits run (several event-loop turns), in unit specs. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Turns the event loop until `condition` holds (about 2,000 turns at most), else fails naming `what`. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error(`timed out waiting until ${what}`);
}

/** The decoded payloads of deliveries, in order. */
export const payloads = (ds: readonly Delivery[]): unknown[] => ds.map((d) => JSON.parse(d.payload));
