import { CourierError } from '../common/courier-error.js';
import { isValidName, NAME_RULE } from '../common/names.js';

/** A CAPS event's payload, read the way lab clients send it. */
export interface CapsOrder {
  /** Stored and delivered exactly as sent. */
  readonly order: Record<string, unknown>;
  /** The room (store) the order belongs to. */
  readonly store: string;
  /** The id of a delivery the payload echoes (`id`, `messageId` or `messageID`), if any. */
  readonly deliveryId: string | null;
}

/**
 * Finds the order and its store in a CAPS payload (contract §3, lab compatibility): the payload's object
 * `order` if it has one, else the payload itself; the store is that of the echoed delivery when
 * `storeOfDelivery` knows its id, else the order's `store`, `storeName`, `storeId`, else the payload's
 * `clientId`. The store is the only required field.
 *
 * @example
 *   readCapsOrder({ event: 'pickup', messageId: 'x', clientId: 'acme', order: { orderId: 7 } }, () => undefined)
 *   // → { order: { orderId: 7 }, store: 'acme', deliveryId: 'x' }
 */
export function readCapsOrder(payload: unknown, storeOfDelivery: (id: string) => string | undefined): CapsOrder {
  if (!isObject(payload)) throw CourierError.validation('payload must be an object (an order)', { field: 'payload' });
  const order = isObject(payload.order) ? payload.order : payload;
  const deliveryId = firstString(payload.id, payload.messageId, payload.messageID) ?? null;
  const store =
    (deliveryId !== null ? storeOfDelivery(deliveryId) : undefined) ??
    firstString(order.store, order.storeName, order.storeId, payload.clientId);
  if (store === undefined) {
    throw CourierError.validation('store is required (order.store, storeName, storeId or clientId)', { field: 'store' });
  }
  if (!isValidName(store)) throw CourierError.validation(`store must match ${NAME_RULE}`, { field: 'store' });
  return { order, store, deliveryId };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The first value that names something: a non-empty string, or an integer (lab store ids are often numbers). */
function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  }
  return undefined;
}
