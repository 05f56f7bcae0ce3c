import { MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import { CapsGateway } from './caps.gateway.js';
import { EventsGateway } from './events.gateway.js';

const PROTOCOL = ['join', 'joinRoom', 'leave', 'subscribe', 'unsubscribe', 'publish', 'publishBatch', 'ack', 'received', 'nack', 'getAll'];

/** The events Nest binds for a gateway class: the most derived method of each name, if decorated. */
function boundEvents(gateway: abstract new (...args: never[]) => object): string[] {
  const names = new Set<string>();
  for (let proto = gateway.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
  }
  const events: string[] = [];
  for (const name of names) {
    const method: unknown = gateway.prototype[name];
    const event: unknown = typeof method === 'function' ? Reflect.getMetadata(MESSAGE_METADATA, method) : undefined;
    if (typeof event === 'string') events.push(event);
  }
  return events.sort();
}

describe('NamespaceGateway subclasses', () => {
  it('events answers exactly the shared protocol', () => {
    expect(boundEvents(EventsGateway)).toEqual([...PROTOCOL].sort());
  });

  it('caps answers the shared protocol (overridden handlers decorated again) plus the CAPS events', () => {
    expect(boundEvents(CapsGateway)).toEqual([...PROTOCOL, 'pickup', 'in-transit', 'delivered'].sort());
  });
});
