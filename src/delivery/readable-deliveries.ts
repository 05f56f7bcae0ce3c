import { UNREADABLE_HEADERS } from '../store/record-decoding.js';
import { Delivery } from '../store/stored-message.js';

/**
 * Decodes each delivery's payload (once, for every socket it goes to) and sorts out those whose stored record
 * cannot be read: a damaged payload or headers. Those are dead-lettered alone (`unreadable`, contract §2) so
 * the deliveries claimed with them still go out.
 */
export function splitReadable(deliveries: readonly Delivery[]): { readable: Delivery[]; unreadable: Delivery[] } {
  const readable: Delivery[] = [];
  const unreadable: Delivery[] = [];
  for (const d of deliveries) {
    if (d.headers === UNREADABLE_HEADERS || typeof d.payload !== 'string') {
      unreadable.push(d);
      continue;
    }
    try {
      d.value = JSON.parse(d.payload);
      readable.push(d);
    } catch {
      unreadable.push(d);
    }
  }
  return { readable, unreadable };
}
