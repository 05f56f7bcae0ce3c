import { Delivery } from '../store/stored-message.js';
import { toCapsOutgoing } from './caps-envelope.js';
import { CapsEnvelope } from './socket-events.js';

function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    id: 'm-1',
    channel: { ns: 'caps', kind: 'room', name: 'acme', client: 'acme' },
    payload: JSON.stringify({ store: 'acme', orderId: 'o-1', id: 'order-own-id' }),
    headers: { event: 'delivered' },
    attempt: 1,
    publishedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    ...overrides,
  };
}

describe(toCapsOutgoing.name, () => {
  it('names a CAPS delivery after its event and adds the lab fields', () => {
    const sut = toCapsOutgoing(delivery(), null);
    expect(sut.event).toBe('delivered');
    expect(sut.body).toMatchObject({
      id: 'm-1',
      room: 'acme',
      messageId: 'm-1',
      messageID: 'm-1',
      event: 'delivered',
      clientId: 'acme',
      order: { store: 'acme', orderId: 'o-1' },
      store: 'acme',
      orderId: 'o-1',
      publishedAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('never lets an order field replace an envelope field', () => {
    expect(toCapsOutgoing(delivery(), null).body.id).toBe('m-1');
  });

  it('does not let a __proto__ key of the order change the envelope', () => {
    const sut = toCapsOutgoing(delivery({ payload: '{"__proto__":{"polluted":true},"store":"acme"}' }), null);
    expect(Object.getPrototypeOf(sut.body)).toBe(Object.prototype);
    expect((sut.body as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('uses the recipient client id for a queue delivery, and leaves it out for an anonymous one', () => {
    const pickup = delivery({ channel: { ns: 'caps', kind: 'queue', name: 'pickup', client: '' }, headers: { event: 'pickup' } });
    expect((toCapsOutgoing(pickup, 'driver-1').body as CapsEnvelope).clientId).toBe('driver-1');
    expect('clientId' in toCapsOutgoing(pickup, null).body).toBe(false);
  });

  it('sends anything else as a plain message', () => {
    const sut = toCapsOutgoing(delivery({ headers: {} }), null);
    expect(sut.event).toBe('message');
    expect(sut.body).toEqual({ id: 'm-1', room: 'acme', payload: expect.any(Object), headers: {}, attempt: 1, publishedAt: '2026-01-02T03:04:05.000Z' });
  });
});
