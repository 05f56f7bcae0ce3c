import { Delivery } from '../store/stored-message.js';
import { MessageEnvelope } from './socket-events.js';

/**
 * The `message` a socket receives for one delivery. The stored payload (a JSON string) is parsed here,
 * once per delivery; callers build the envelope once and send it to every socket that should get it.
 */
export function toMessageEnvelope(d: Delivery): MessageEnvelope {
  const where = d.channel.kind === 'queue' ? { queue: d.channel.name } : { room: d.channel.name };
  return {
    id: d.id,
    ...where,
    payload: JSON.parse(d.payload) as unknown,
    headers: d.headers,
    attempt: d.attempt,
    publishedAt: new Date(d.publishedAt).toISOString(),
  };
}
