import { Delivery } from '../store/stored-message.js';
import { toMessageEnvelope } from './message-envelope.js';
import { CapsEnvelope, CapsEvent, isCapsEvent, MessageEnvelope } from './socket-events.js';

/** An outgoing delivery: the event name it is emitted under and its body. */
export type Outgoing = { event: 'message'; body: MessageEnvelope } | { event: CapsEvent; body: CapsEnvelope };

/**
 * How a `caps` delivery looks on the wire (contract §3, lab compatibility). A message that came from a
 * CAPS event (its `headers.event`) goes out under that event's name with the lab's fields; anything else
 * is a plain `message`.
 *
 * @param recipient the client id the delivery is for: the copy's member (a durable client or a store's
 *   mailbox), else the receiving socket's client id, else null (an anonymous driver).
 */
export function toCapsOutgoing(d: Delivery, recipient: string | null): Outgoing {
  const envelope = toMessageEnvelope(d);
  const event = d.headers.event;
  if (!isCapsEvent(event)) return { event: 'message', body: envelope };
  return { event, body: toCapsEnvelope(envelope, event, d.channel.client || recipient) };
}

export function toCapsEnvelope(envelope: MessageEnvelope, event: CapsEvent, clientId: string | null): CapsEnvelope {
  const out: CapsEnvelope = { ...envelope, messageId: envelope.id, messageID: envelope.id, event, order: envelope.payload };
  if (clientId) out.clientId = clientId;
  const order = envelope.payload;
  if (order !== null && typeof order === 'object' && !Array.isArray(order)) {
    for (const [field, value] of Object.entries(order)) {
      // '__proto__' can be an own key of parsed JSON; assigning it would change the envelope's prototype.
      if (field !== '__proto__' && !(field in out)) out[field] = value;
    }
  }
  return out;
}
