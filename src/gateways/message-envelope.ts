import { Delivery } from '../store/stored-message.js';
import { MessageEnvelope } from './socket-events.js';

/**
 * The `message` a socket receives for one delivery. The payload was decoded by the engine (or, for a live
 * room message, is parsed here), once per delivery; callers build the envelope once and send it to every socket that should get it.
 */
export function toMessageEnvelope(d: Delivery): MessageEnvelope {
  const where = d.channel.kind === 'queue' ? { queue: d.channel.name } : { room: d.channel.name };
  return {
    id: d.id,
    ...where,
    payload: 'value' in d ? d.value : (JSON.parse(d.payload) as unknown),
    headers: d.headers,
    attempt: d.attempt,
    publishedAt: new Date(d.publishedAt).toISOString(),
  };
}
