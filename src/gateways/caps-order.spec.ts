import { CourierError } from '../common/courier-error.js';
import { readCapsOrder } from './caps-order.js';

describe(readCapsOrder.name, () => {
  const none = () => undefined;

  it('takes the payload as the order, and its store', () => {
    const payload = { store: 'acme', orderId: 1 };
    expect(readCapsOrder(payload, none)).toEqual({ order: payload, store: 'acme', deliveryId: null });
  });

  it('takes the object `order` of a lab payload, falling back to the payload clientId for the store', () => {
    const sut = readCapsOrder({ event: 'pickup', messageId: 'm1', clientId: 'acme', order: { orderId: 7 } }, none);
    expect(sut).toEqual({ order: { orderId: 7 }, store: 'acme', deliveryId: 'm1' });
  });

  it('prefers store, then storeName, then storeId, then clientId', () => {
    expect(readCapsOrder({ store: 'a', storeName: 'b', storeId: 'c', clientId: 'd' }, none).store).toBe('a');
    expect(readCapsOrder({ storeName: 'b', storeId: 'c', clientId: 'd' }, none).store).toBe('b');
    expect(readCapsOrder({ storeId: 42, clientId: 'd' }, none).store).toBe('42');
    expect(readCapsOrder({ clientId: 'd' }, none).store).toBe('d');
  });

  it('uses the store of the delivery the payload echoes, whatever the order says', () => {
    const stores = new Map([['d-1', 'from-delivery']]);
    const sut = readCapsOrder({ messageID: 'd-1', order: { store: 'from-order' } }, (id) => stores.get(id));
    expect(sut.store).toBe('from-delivery');
  });

  it.each([['a string', 'order'], ['null', null], ['an array', [{ store: 'a' }]], ['no store at all', { orderId: 1 }], ['a bad store name', { store: 'a b' }]])(
    'refuses %s with VALIDATION',
    (_name, payload) => {
      expect(() => readCapsOrder(payload, none)).toThrow(CourierError);
    },
  );
});
