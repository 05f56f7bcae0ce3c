import { CourierError } from '../common/courier-error.js';
import { MAX_KEY_LENGTH, PublishInput } from '../publishing/publish-rules.js';

/** The request header that stands for a message's `key` (contract §4). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Applies an `Idempotency-Key` header to the messages of one request; a message's own `key` wins.
 * A single message takes the header as its key. In a batch, message `i` takes `<header>#<i>`, so a retried
 * batch returns the ids of the first attempt while its messages stay distinct from one another.
 */
export function withIdempotencyKey<T extends PublishInput>(messages: readonly T[], header: string | undefined): T[] {
  if (header === undefined) return [...messages];
  const keyOf = (i: number) => (messages.length === 1 ? header : `${header}#${i}`);
  const longest = keyOf(messages.length - 1).length;
  if (header.length < 1 || longest > MAX_KEY_LENGTH) {
    throw CourierError.validation(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH - (longest - header.length)} characters`, { field: 'Idempotency-Key' });
  }
  return messages.map((m, i) => (m.key === undefined ? { ...m, key: keyOf(i) } : m));
}
