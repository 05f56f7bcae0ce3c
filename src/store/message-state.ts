/**
 * The life of a stored message. `acked` is terminal: the record is removed and only counted.
 *
 *   publish ──► ready ◄──────────► delayed      (delayMs, nack { delayMs })
 *                 │  ▲  ▲
 *         claim   ▼  │  └── redrive ── deadLettered ◄── (max-attempts | rejected | expired | unreadable)
 *              inFlight ── ack ──► acked
 *                 └── release (ack timeout, consumer gone, nack) ──► ready / delayed / deadLettered
 */
export type MessageState = 'ready' | 'delayed' | 'inFlight' | 'deadLettered';

/** `unreadable`: the stored record could not be decoded (a damaged row); it is set aside alone. */
export type DeadLetterReason = 'max-attempts' | 'rejected' | 'expired' | 'unreadable';
