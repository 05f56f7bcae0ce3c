import { randomUUID } from 'node:crypto';
import { QueueService } from '../../src/queue/queue.service.js';
import { closeAllClients, connectClient, fresh, TestClient } from '../support/connect-client.js';
import { RunningApp, startApp } from '../support/start-app.js';
import { sleep, waitFor } from '../support/wait-for.js';

function order(store: string, orderId: string = randomUUID()) {
  return { store, orderId, customer: 'Ada Lovelace', address: '12 Analytical Way' };
}

/** A driver as in the lab: every pickup is echoed back as `in-transit`, then `delivered`. */
function driveEveryPickup(driver: TestClient): void {
  driver.socket.on('pickup', (delivery: unknown) => {
    driver.socket.emit('in-transit', delivery, () => driver.socket.emit('delivered', delivery));
  });
}

// The queue `pickup` is shared by the whole namespace, so every test gets an app of its own.
describe('caps namespace', () => {
  let app: RunningApp;

  afterEach(async () => {
    closeAllClients();
    await app.close();
  });

  describe('the parcel workflow', () => {
    beforeEach(async () => {
      app = await startApp();
    });

    it('gives each pickup to exactly one driver and tells only the right vendor about it', async () => {
      const [storeA, storeB] = [fresh('store-a'), fresh('store-b')];
      const vendorA = await connectClient(app.url, 'caps', { clientId: storeA });
      const vendorB = await connectClient(app.url, 'caps', { clientId: storeB });
      expect(await vendorA.request('join', { room: storeA })).toEqual({ ok: true, room: storeA });
      expect(await vendorB.request('join', storeB)).toEqual({ ok: true, room: storeB });
      const drivers = await Promise.all([connectClient(app.url, 'caps', { clientId: 'driver-1' }), connectClient(app.url, 'caps', { clientId: 'driver-2' })]);
      for (const driver of drivers) {
        driveEveryPickup(driver);
        expect(await driver.request('subscribe', { queue: 'pickup', prefetch: 1 })).toEqual({ ok: true, queue: 'pickup' });
      }

      const ordersA = [order(storeA), order(storeA), order(storeA)];
      const ordersB = [order(storeB), order(storeB)];
      for (const o of ordersA) expect(await vendorA.request('pickup', o)).toEqual({ ok: true, id: expect.any(String) });
      for (const o of ordersB) expect(await vendorB.request('pickup', o)).toEqual({ ok: true, id: expect.any(String) });

      await vendorA.waitForBodies(3, 'delivered');
      await vendorB.waitForBodies(2, 'delivered');
      const pickups = drivers.flatMap((d) => d.bodies('pickup'));
      expect(pickups.map((p) => p.orderId).sort()).toEqual([...ordersA, ...ordersB].map((o) => o.orderId).sort());
      expect(drivers.every((d) => d.bodies('pickup').length > 0)).toBe(true);

      expect(vendorA.bodies('in-transit').map((m) => m.orderId).sort()).toEqual(ordersA.map((o) => o.orderId).sort());
      expect(vendorA.bodies('delivered').map((m) => m.orderId).sort()).toEqual(ordersA.map((o) => o.orderId).sort());
      expect(vendorB.bodies('delivered').map((m) => m.orderId).sort()).toEqual(ordersB.map((o) => o.orderId).sort());
      expect(vendorA.bodies('message')).toEqual([]);

      // Forwarding a pickup acked it: nothing is left in flight on the queue.
      const stats = await app.app.get(QueueService).stats('caps', 'pickup');
      expect(stats).toMatchObject({ published: 5, acked: 5, inFlight: 0, ready: 0 });
    });

    it('delivers under the CAPS event name with the lab fields', async () => {
      const store = fresh('store');
      const vendor = await connectClient(app.url, 'caps', { clientId: store });
      await vendor.request('join', { room: store });
      const driver = await connectClient(app.url, 'caps', { clientId: 'driver-1' });
      await driver.request('subscribe', { queue: 'pickup' });
      const sent = order(store, 'order-42');
      const { id } = await vendor.request('pickup', sent);

      const [pickup] = await driver.waitForBodies(1, 'pickup');
      expect(pickup).toEqual({
        id,
        queue: 'pickup',
        payload: sent,
        headers: { event: 'pickup', store },
        attempt: 1,
        publishedAt: expect.any(String),
        messageId: id,
        messageID: id,
        event: 'pickup',
        clientId: 'driver-1',
        order: sent,
        store,
        orderId: 'order-42',
        customer: sent.customer,
        address: sent.address,
      });

      const delivered = await driver.request('delivered', pickup);
      expect(delivered).toEqual({ ok: true, id: expect.any(String), recipients: 1 });
      const [m] = await vendor.waitForBodies(1, 'delivered');
      expect(m).toMatchObject({ id: delivered.id, room: store, event: 'delivered', clientId: store, order: sent, orderId: 'order-42', headers: { event: 'delivered' } });
      expect(await vendor.request('received', { messageId: m.messageId, clientId: store, event: 'delivered' })).toEqual({ ok: true });
    });

    it('keeps deliveries for an offline vendor and hands them over once when it reconnects', async () => {
      const store = fresh('store');
      const vendor = await connectClient(app.url, 'caps', { clientId: store });
      await vendor.request('join', { room: store });
      vendor.close();

      const driver = await connectClient(app.url, 'caps', { clientId: 'driver-1' });
      const orders = [order(store), order(store)];
      for (const o of orders) expect(await driver.request('delivered', o)).toMatchObject({ ok: true, recipients: 1 });

      const back = await connectClient(app.url, 'caps', { clientId: store });
      const missed = await back.waitForBodies(2, 'delivered');
      expect(missed.map((m) => m.orderId)).toEqual(orders.map((o) => o.orderId));
      for (const m of missed) expect(await back.request('received', { messageID: m.messageID })).toEqual({ ok: true });
      await sleep(200);
      expect(back.bodies('delivered')).toHaveLength(2);
      back.close();

      const again = await connectClient(app.url, 'caps', { clientId: store });
      await sleep(300);
      expect(again.received).toEqual([]);
    });

    it('resolves the store from storeName, storeId or the payload clientId, and from an echoed delivery', async () => {
      const store = fresh('store');
      const vendor = await connectClient(app.url, 'caps', { clientId: store });
      await vendor.request('join', { storeName: store });
      const driver = await connectClient(app.url, 'caps');
      await driver.request('in-transit', { storeName: store, orderId: 'by-store-name' });
      await driver.request('in-transit', { order: { storeId: store, orderId: 'by-store-id' } });
      await driver.request('in-transit', { event: 'in-transit', clientId: store, order: { orderId: 'by-client-id' } });
      await vendor.waitForBodies(3, 'in-transit');
      expect(vendor.bodies('in-transit').map((m) => m.orderId)).toEqual(['by-store-name', 'by-store-id', 'by-client-id']);

      // A driver echoing a pickup by its id alone: the store is the one the pickup was for.
      await driver.request('getAll', { event: 'pickup' });
      await vendor.request('pickup', order(store, 'echoed'));
      const [pickup] = await driver.waitForBodies(1, 'pickup');
      expect(await driver.request('delivered', { messageId: pickup.messageId, note: 'left at the door' })).toMatchObject({ ok: true, recipients: 1 });
      const [delivered] = await vendor.waitForBodies(1, 'delivered');
      expect(delivered.order).toEqual({ messageId: pickup.messageId, note: 'left at the door' });
    });

    it('refuses CAPS events without a usable store, and stores nothing', async () => {
      const client = await connectClient(app.url, 'caps');
      expect((await client.request('pickup', 'not an order')).error.code).toBe('VALIDATION');
      expect((await client.request('pickup', { orderId: 1 })).error).toMatchObject({ code: 'VALIDATION', details: { field: 'store' } });
      expect((await client.request('in-transit', { store: 'no spaces' })).error.code).toBe('VALIDATION');
      expect((await client.request('delivered', null)).error.code).toBe('VALIDATION');
      expect((await client.request('delivered', [order('x')])).error.code).toBe('VALIDATION');
      expect(await app.app.get(QueueService).stats('caps', 'pickup')).toBeNull();
      // Unknown fields in a CAPS event are the order's own business.
      expect(await client.request('pickup', { ...order(fresh('store')), giftWrap: true })).toMatchObject({ ok: true });
    });

    it('getAll { event } sends again only the pending messages of that event', async () => {
      const store = fresh('store');
      const vendor = await connectClient(app.url, 'caps', { clientId: store });
      await vendor.request('join', { clientId: store });
      const driver = await connectClient(app.url, 'caps');
      await driver.request('in-transit', order(store, 'one'));
      await driver.request('delivered', order(store, 'one'));
      await vendor.waitForBodies(1, 'delivered');
      expect(await vendor.request('getAll', { event: 'delivered' })).toEqual({ ok: true, count: 1 });
      const [, again] = await vendor.waitForBodies(2, 'delivered');
      expect(again).toMatchObject({ orderId: 'one', attempt: 2 });
      expect(vendor.bodies('in-transit')).toHaveLength(1);
    });
  });

  describe('lab clients (no client id, never subscribe)', () => {
    beforeEach(async () => {
      app = await startApp({ ACK_TIMEOUT_MS: '300', MAX_ATTEMPTS: '2' });
    });

    /** The lab vendor: joins its store's room by name, acknowledges `delivered` with `received`. */
    async function labVendor(store: string): Promise<TestClient> {
      const vendor = await connectClient(app.url, 'caps');
      vendor.socket.on('delivered', (m: { messageId: string }) => vendor.socket.emit('received', { clientId: store, event: 'delivered', messageId: m.messageId }));
      expect(await vendor.request('join', store)).toEqual({ ok: true, room: store });
      return vendor;
    }

    it('a vendor that was stopped gets each missed delivery exactly once when it comes back', async () => {
      const store = fresh('acme-widgets');
      const driver = await connectClient(app.url, 'caps');
      driveEveryPickup(driver);
      expect(await driver.request('getAll', { event: 'pickup' })).toEqual({ ok: true, count: 0 });

      const vendor = await labVendor(store);
      const lab = (o: ReturnType<typeof order>) => ({ event: 'pickup', messageId: randomUUID(), clientId: store, order: o });
      const before = order(store);
      await vendor.request('pickup', lab(before));
      await vendor.waitForBodies(1, 'delivered');
      vendor.close();

      const missed = [order(store), order(store), order(store)];
      const producer = await connectClient(app.url, 'caps');
      for (const o of missed) await producer.request('pickup', lab(o));
      await waitFor(() => driver.bodies('pickup').length === 4, 'the driver to take every pickup');
      // Longer than ACK_TIMEOUT_MS × MAX_ATTEMPTS: a mailbox copy neither times out nor dies while it waits.
      await sleep(900);

      const back = await labVendor(store);
      await back.waitForBodies(3, 'delivered');
      await sleep(900);
      expect(back.bodies('delivered').map((m) => m.orderId).sort()).toEqual(missed.map((o) => o.orderId).sort());
      expect(back.bodies('delivered').every((m) => m.clientId === store && m.order.store === store)).toBe(true);
      // No double replay on this connection: what it holds is not sent again.
      expect(await back.request('getAll', {})).toMatchObject({ ok: true });
      await sleep(200);
      expect(back.bodies('delivered')).toHaveLength(3);
      back.close();

      const third = await labVendor(store);
      await sleep(300);
      expect(third.bodies('delivered')).toEqual([]);
      // The in-transit notices are still in the mailbox: the lab vendor never acks them.
      expect(third.bodies('in-transit').length).toBe(4);
    });

    it('follows a lab pickup whose order names no store (the store is the payload clientId) through the driver\'s echoes', async () => {
      const store = fresh('store');
      const vendor = await labVendor(store);
      const driver = await connectClient(app.url, 'caps');
      driveEveryPickup(driver);
      await driver.request('getAll', { event: 'pickup' });
      const labOrder = { orderId: 'no-store-field', customer: 'Grace Hopper', address: '1 Compiler Court' };
      expect(await vendor.request('pickup', { event: 'pickup', messageId: randomUUID(), clientId: store, order: labOrder })).toMatchObject({ ok: true });
      const [pickup] = await driver.waitForBodies(1, 'pickup');
      expect(pickup).toMatchObject({ order: labOrder, headers: { event: 'pickup', store } });
      const [delivered] = await vendor.waitForBodies(1, 'delivered');
      expect(delivered).toMatchObject({ orderId: 'no-store-field', room: store });
      expect(vendor.bodies('in-transit')).toHaveLength(1);
    });

    it('a mailbox copy is settled by the first received from any of its sockets', async () => {
      const store = fresh('store');
      const first = await connectClient(app.url, 'caps');
      const second = await connectClient(app.url, 'caps');
      await first.request('join', store);
      await second.request('join', store);
      const driver = await connectClient(app.url, 'caps');
      const { id } = await driver.request('delivered', order(store));
      await first.waitForBodies(1, 'delivered');
      await second.waitForBodies(1, 'delivered');
      expect(await second.request('received', { messageId: id })).toEqual({ ok: true });
      const third = await connectClient(app.url, 'caps');
      await third.request('join', store);
      await sleep(200);
      expect(third.bodies('delivered')).toEqual([]);
    });

    it('leave stops that socket\'s deliveries but keeps the mailbox', async () => {
      const store = fresh('store');
      const vendor = await connectClient(app.url, 'caps');
      await vendor.request('join', store);
      expect(await vendor.request('leave', store)).toEqual({ ok: true, room: store });
      const driver = await connectClient(app.url, 'caps');
      expect(await driver.request('delivered', order(store, 'kept'))).toMatchObject({ ok: true, recipients: 1 });
      await sleep(200);
      expect(vendor.bodies('delivered')).toEqual([]);
      await vendor.request('join', store);
      const [m] = await vendor.waitForBodies(1, 'delivered');
      expect(m.orderId).toBe('kept');
    });

    it('a pickup held by a lab driver that vanishes goes to another driver', async () => {
      const store = fresh('store');
      const quitter = await connectClient(app.url, 'caps');
      await quitter.request('getAll', { event: 'pickup' });
      const vendor = await labVendor(store);
      await vendor.request('pickup', order(store, 'p1'));
      await quitter.waitForBodies(1, 'pickup');
      const driver = await connectClient(app.url, 'caps');
      await driver.request('getAll', { event: 'pickup' });
      quitter.close();
      const [p] = await driver.waitForBodies(1, 'pickup');
      expect(p).toMatchObject({ orderId: 'p1', attempt: 2 });
      expect(p.clientId).toBeUndefined();
    });
  });
});
