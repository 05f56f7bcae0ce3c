import { DEDUP_WINDOW_MS, MessageStore } from '../../src/store/message-store.js';
import { Channel, ChannelStats, Delivery, MessageRef, NewMessage } from '../../src/store/stored-message.js';

/** What an adapter's spec file hands the contract: an opened store, and how to get rid of it. */
export interface StoreFixture {
  readonly store: MessageStore;
  /** Closes the store and opens a new one on the same data; required with `{ durable: true }`. */
  readonly reopen?: () => Promise<MessageStore>;
  /** Closes whatever store is open and removes what the fixture created. */
  readonly cleanup: () => Promise<void>;
}

export interface ContractOptions {
  /** The adapter keeps its data across close and open (SQLite, Redis): adds the durability tests. */
  readonly durable?: boolean;
}

const NS = 'events';
const HOLDER = 'node1/sock1';
const OTHER_HOLDER = 'node1/sock2';
const T0 = 1_700_000_000_000;
const ACK_TIMEOUT = 30_000;
const MAX_ATTEMPTS = 5;

const queue = (name = 'jobs', ns = NS): Channel => ({ ns, kind: 'queue', name, client: '' });
const copyOf = (room: string, client: string, ns = NS): Channel => ({ ns, kind: 'room', name: room, client });
const msg = (payload: string, options: Partial<NewMessage> = {}): NewMessage => ({
  payload,
  headers: {},
  priority: 0,
  delayMs: 0,
  ttlMs: 0,
  key: '',
  ...options,
});
const refOf = (d: Delivery): MessageRef => ({ id: d.id, client: d.channel.client });
const qref = (id: string): MessageRef => ({ id, client: '' });
const payloads = (ds: readonly Delivery[]): string[] => ds.map((d) => d.payload);
const release = (now: number, availableAt = now, maxAttempts = MAX_ATTEMPTS) => ({ now, availableAt, maxAttempts });
const sortedChannels = (cs: readonly Channel[]): Channel[] =>
  [...cs].sort((a, b) => `${a.kind}/${a.name}/${a.client}`.localeCompare(`${b.kind}/${b.name}/${b.client}`));

const EMPTY_STATS: Omit<ChannelStats, 'name'> = {
  ready: 0,
  inFlight: 0,
  delayed: 0,
  deadLettered: 0,
  published: 0,
  acked: 0,
  redelivered: 0,
  oldestReadyAt: null,
};

/**
 * The behaviour every MessageStore adapter shares (see message-store.ts and contract §2). An adapter's spec
 * file calls this once with a factory that returns an opened store on fresh data.
 *
 * @example
 *   messageStoreContract(MemoryMessageStore.name, async () => {
 *     const store = new MemoryMessageStore();
 *     await store.open();
 *     return { store, cleanup: () => store.close() };
 *   });
 */
export function messageStoreContract(name: string, makeStore: () => Promise<StoreFixture>, options: ContractOptions = {}): void {
  describe(name, () => {
    let fixture: StoreFixture;
    let sut: MessageStore;

    beforeEach(async () => {
      fixture = await makeStore();
      sut = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Publishes one message per payload at `now` and returns their ids. */
    const publish = async (payloadList: string[], now = T0, ch = queue(), extra: Partial<NewMessage> = {}): Promise<string[]> =>
      (await sut.enqueue(ch, payloadList.map((p) => msg(p, extra)), now)).map((r) => r.id);
    const claim = async (max = 10, now = T0, ch = queue(), holder = HOLDER, deadline = now + ACK_TIMEOUT): Promise<Delivery[]> =>
      (await sut.claimNext(ch, holder, max, now, deadline)).deliveries;
    const stats = async (ch = queue()) => sut.stats(ch.ns, ch.kind, ch.name);

    describe('enqueue', () => {
      it('returns one id per message, in publish order', async () => {
        const results = await sut.enqueue(queue(), [msg('a'), msg('b'), msg('c')], T0);

        expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
        expect(new Set(results.map((r) => r.id)).size).toBe(3);
        const delivered = await claim(10);
        expect(delivered.map((d) => d.id)).toEqual(results.map((r) => r.id));
        expect(payloads(delivered)).toEqual(['a', 'b', 'c']);
      });

      it('stores every message of a batch', async () => {
        await publish(Array.from({ length: 10 }, (_, i) => `m${i}`));

        expect(await stats()).toMatchObject({ ready: 10, published: 10 });
      });

      it('keeps payload, headers and publish time as given', async () => {
        const [id] = await publish(['{"order":1}'], T0 + 7, queue(), { headers: { event: 'pickup', trace: 'x' } });

        const [d] = await claim(1, T0 + 10);
        expect(d).toEqual({
          id,
          channel: queue(),
          payload: '{"order":1}',
          headers: { event: 'pickup', trace: 'x' },
          attempt: 1,
          publishedAt: T0 + 7,
        });
      });

      it('returns the first id as a duplicate for a known key and stores nothing', async () => {
        const [first] = await sut.enqueue(queue(), [msg('a', { key: 'k1' })], T0);
        const [again] = await sut.enqueue(queue(), [msg('a2', { key: 'k1' })], T0 + 1000);

        expect(first.duplicate).toBe(false);
        expect(again).toEqual({ id: first.id, duplicate: true });
        expect(await stats()).toMatchObject({ ready: 1, published: 1 });
        expect(payloads(await claim(10))).toEqual(['a']);
      });

      it('returns the first id as a duplicate for a key repeated in the same batch', async () => {
        const results = await sut.enqueue(queue(), [msg('a', { key: 'k' }), msg('b'), msg('c', { key: 'k' })], T0);

        expect(results[0].duplicate).toBe(false);
        expect(results[1].duplicate).toBe(false);
        expect(results[2]).toEqual({ id: results[0].id, duplicate: true });
        expect(await stats()).toMatchObject({ ready: 2, published: 2 });
      });

      it('keeps keys apart per queue', async () => {
        const [a] = await sut.enqueue(queue('a'), [msg('x', { key: 'k' })], T0);
        const [b] = await sut.enqueue(queue('b'), [msg('x', { key: 'k' })], T0);

        expect(b.duplicate).toBe(false);
        expect(b.id).not.toBe(a.id);
      });

      it('accepts a key as a new message once DEDUP_WINDOW_MS has passed and a sweep ran', async () => {
        const [first] = await sut.enqueue(queue(), [msg('a', { key: 'k' })], T0);
        const [within] = await sut.enqueue(queue(), [msg('a', { key: 'k' })], T0 + DEDUP_WINDOW_MS - 1);
        await sut.sweep(T0 + DEDUP_WINDOW_MS, MAX_ATTEMPTS, false);
        const [after] = await sut.enqueue(queue(), [msg('b', { key: 'k' })], T0 + DEDUP_WINDOW_MS);

        expect(within).toEqual({ id: first.id, duplicate: true });
        expect(after.duplicate).toBe(false);
        expect(after.id).not.toBe(first.id);
        expect(await stats()).toMatchObject({ ready: 2, published: 2 });
      });

      it('stores a message with delayMs as delayed', async () => {
        await publish(['later'], T0, queue(), { delayMs: 5000 });

        expect(await stats()).toMatchObject({ ready: 0, delayed: 1, published: 1 });
      });
    });

    describe('claimNext', () => {
      it('delivers higher priority first, then publish order', async () => {
        await sut.enqueue(
          queue(),
          [msg('p0-a'), msg('p5-a', { priority: 5 }), msg('p1', { priority: 1 }), msg('p5-b', { priority: 5 }), msg('p0-b')],
          T0,
        );

        expect(payloads(await claim(10))).toEqual(['p5-a', 'p5-b', 'p1', 'p0-a', 'p0-b']);
      });

      it('claims at most max messages and leaves the rest ready', async () => {
        await publish(['a', 'b', 'c', 'd', 'e']);

        expect(payloads(await claim(2))).toEqual(['a', 'b']);
        expect(await stats()).toMatchObject({ ready: 3, inFlight: 2 });
        expect(payloads(await claim(2, T0, queue(), OTHER_HOLDER))).toEqual(['c', 'd']);
      });

      it('delivers nothing from an empty or unknown channel', async () => {
        await sut.declare(NS, 'queue', 'jobs', T0);

        expect(await sut.claimNext(queue(), HOLDER, 10, T0, T0 + ACK_TIMEOUT)).toEqual({ deliveries: [], expired: 0 });
        expect(await sut.claimNext(queue('nope'), HOLDER, 10, T0, T0 + ACK_TIMEOUT)).toEqual({ deliveries: [], expired: 0 });
      });

      it('never hands a claimed message to another holder', async () => {
        await publish(['a']);
        await claim(1);

        expect(await claim(10, T0, queue(), OTHER_HOLDER)).toEqual([]);
      });

      it('counts attempts 1, 2, 3 across redeliveries', async () => {
        const [id] = await publish(['a']);
        const attempts: number[] = [];
        for (let i = 0; i < 3; i++) {
          const [d] = await claim(1, T0 + i);
          attempts.push(d.attempt);
          await sut.release(NS, [qref(id)], HOLDER, release(T0 + i));
        }

        expect(attempts).toEqual([1, 2, 3]);
      });

      it('keeps queues and namespaces apart', async () => {
        await publish(['jobs']);
        await publish(['other'], T0, queue('other'));
        await publish(['elsewhere'], T0, queue('jobs', 'caps'));

        expect(payloads(await claim(10))).toEqual(['jobs']);
        expect(payloads(await claim(10, T0, queue('jobs', 'caps')))).toEqual(['elsewhere']);
      });

      it('dead-letters a message past its TTL as expired instead of delivering it', async () => {
        const [old] = await publish(['old'], T0, queue(), { ttlMs: 1000 });
        await publish(['fresh'], T0 + 500);

        const result = await sut.claimNext(queue(), HOLDER, 10, T0 + 1000, T0 + 1000 + ACK_TIMEOUT);

        expect(payloads(result.deliveries)).toEqual(['fresh']);
        expect(result.expired).toBe(1);
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toEqual([
          { id: old, client: '', payload: 'old', attempts: 0, reason: 'expired', deadLetteredAt: T0 + 1000 },
        ]);
        expect(await stats()).toMatchObject({ ready: 0, inFlight: 1, deadLettered: 1 });
      });

      it('still fills max when expired messages are met on the way', async () => {
        await publish(['x1', 'x2', 'x3'], T0, queue(), { ttlMs: 100 });
        await publish(['a', 'b', 'c']);

        const result = await sut.claimNext(queue(), HOLDER, 2, T0 + 100, T0 + ACK_TIMEOUT);

        expect(payloads(result.deliveries)).toEqual(['a', 'b']);
        expect(result.expired).toBe(3);
      });

      it('delivers a message before its TTL', async () => {
        await publish(['a'], T0, queue(), { ttlMs: 1000 });

        expect(payloads(await claim(1, T0 + 999))).toEqual(['a']);
      });

      it('does not deliver a delayed message until a sweep at its time promotes it', async () => {
        await publish(['later'], T0, queue(), { delayMs: 5000 });

        expect(await claim(10, T0 + 4999)).toEqual([]);
        await sut.sweep(T0 + 4999, MAX_ATTEMPTS, false);
        expect(await claim(10, T0 + 4999)).toEqual([]);
        await sut.sweep(T0 + 5000, MAX_ATTEMPTS, false);
        const [d] = await claim(10, T0 + 5000);
        expect(d).toMatchObject({ payload: 'later', attempt: 1, publishedAt: T0 });
      });

      it('delivers the right next message from a queue 100,000 deep', async () => {
        const depth = 100_000;
        const special = 61_803;
        for (let start = 0; start < depth; start += 1000) {
          const batch = Array.from({ length: 1000 }, (_, i) => msg(`m${start + i}`, { priority: start + i === special ? 1 : 0 }));
          await sut.enqueue(queue(), batch, T0 + start);
        }

        expect(payloads(await claim(2))).toEqual([`m${special}`, 'm0']);
        expect(payloads(await claim(1))).toEqual(['m1']);
        expect(await stats()).toMatchObject({ ready: depth - 3, inFlight: 3, oldestReadyAt: T0 });
      });
    });

    describe('ack', () => {
      it('settles a message held by the holder for good', async () => {
        const [id] = await publish(['a']);
        await claim(1);

        expect(await sut.ack(NS, [qref(id)], HOLDER, T0 + 1)).toEqual([qref(id)]);
        expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, acked: 1 });
        await sut.sweep(T0 + 10 * ACK_TIMEOUT, MAX_ATTEMPTS, true);
        expect(await claim(10, T0 + 10 * ACK_TIMEOUT)).toEqual([]);
      });

      it('ignores a message held by another holder', async () => {
        const [id] = await publish(['a']);
        await claim(1);

        expect(await sut.ack(NS, [qref(id)], OTHER_HOLDER, T0 + 1)).toEqual([]);
        expect(await stats()).toMatchObject({ inFlight: 1, acked: 0 });
        expect(await sut.ack(NS, [qref(id)], HOLDER, T0 + 2)).toEqual([qref(id)]);
      });

      it('ignores an unknown id', async () => {
        await publish(['a']);
        await claim(1);

        expect(await sut.ack(NS, [qref('no-such-id')], HOLDER, T0 + 1)).toEqual([]);
        expect(await stats()).toMatchObject({ inFlight: 1, acked: 0 });
      });

      it('ignores a message already acked', async () => {
        const [id] = await publish(['a']);
        await claim(1);
        await sut.ack(NS, [qref(id)], HOLDER, T0 + 1);

        expect(await sut.ack(NS, [qref(id)], HOLDER, T0 + 2)).toEqual([]);
        expect(await stats()).toMatchObject({ acked: 1 });
      });

      it('ignores a queue message that is ready, not in flight', async () => {
        const [id] = await publish(['a']);

        expect(await sut.ack(NS, [qref(id)], HOLDER, T0 + 1)).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 1, acked: 0 });
      });

      it('ignores the id in another namespace', async () => {
        const [id] = await publish(['a']);
        await claim(1);

        expect(await sut.ack('caps', [qref(id)], HOLDER, T0 + 1)).toEqual([]);
        expect(await stats()).toMatchObject({ inFlight: 1 });
      });

      it('returns only the refs it settled from a mixed list', async () => {
        const [a, b, c] = await publish(['a', 'b', 'c']);
        await claim(1);
        await claim(1, T0, queue(), OTHER_HOLDER);

        expect(await sut.ack(NS, [qref(a), qref(b), qref(c), qref('x')], HOLDER, T0 + 1)).toEqual([qref(a)]);
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 1, acked: 1 });
      });

      it('with holder null settles a room copy whether ready or in flight', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        const { id } = await sut.fanOut(NS, 'acme', msg('hello'), T0);
        await claim(1, T0, copyOf('acme', 'alice'));

        const settled = await sut.ack(NS, [{ id, client: 'alice' }, { id, client: 'bob' }], null, T0 + 1);

        expect(settled).toEqual([
          { id, client: 'alice' },
          { id, client: 'bob' },
        ]);
        expect(await sut.stats(NS, 'room', 'acme')).toMatchObject({ ready: 0, inFlight: 0, acked: 2 });
      });

      it('with holder null does not settle a queue message', async () => {
        const [a, b] = await publish(['a', 'b']);
        await claim(1);

        expect(await sut.ack(NS, [qref(a), qref(b)], null, T0 + 1)).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 1, acked: 0 });
      });

      it('with holder null does not settle a dead-lettered or delayed room copy', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        const { id } = await sut.fanOut(NS, 'acme', msg('hello'), T0);
        const [d] = await claim(1, T0, copyOf('acme', 'alice'));
        await sut.deadLetter(NS, [refOf(d)], HOLDER, T0 + 1, 'rejected');
        const later = await sut.fanOut(NS, 'acme', msg('later', { delayMs: 5000 }), T0);

        expect(await sut.ack(NS, [{ id, client: 'alice' }, { id: later.id, client: 'alice' }], null, T0 + 2)).toEqual([]);
        expect(await sut.stats(NS, 'room', 'acme')).toMatchObject({ deadLettered: 1, delayed: 1, acked: 0 });
      });
    });

    describe('release', () => {
      it('puts a message back ready in its original position, attempt + 1 at the next claim', async () => {
        const [a] = await publish(['a', 'b', 'c']);
        await claim(1);

        expect(await sut.release(NS, [qref(a)], HOLDER, release(T0 + 1))).toEqual([qref(a)]);
        const again = await claim(10, T0 + 2);
        expect(payloads(again)).toEqual(['a', 'b', 'c']);
        expect(again.map((d) => d.attempt)).toEqual([2, 1, 1]);
      });

      it('keeps the priority of a released message', async () => {
        await sut.enqueue(queue(), [msg('low'), msg('high', { priority: 9 })], T0);
        const [high] = await claim(1);
        await publish(['later'], T0 + 1);
        await sut.release(NS, [refOf(high)], HOLDER, release(T0 + 2));

        expect(payloads(await claim(10, T0 + 3))).toEqual(['high', 'low', 'later']);
      });

      it('delays the message when availableAt is later than now', async () => {
        const [id] = await publish(['a']);
        await claim(1);

        await sut.release(NS, [qref(id)], HOLDER, release(T0 + 1, T0 + 5000));

        expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, delayed: 1 });
        expect(await claim(10, T0 + 5000)).toEqual([]);
        await sut.sweep(T0 + 5000, MAX_ATTEMPTS, false);
        expect((await claim(10, T0 + 5000)).map((d) => d.attempt)).toEqual([2]);
      });

      it('dead-letters with reason max-attempts a message delivered maxAttempts times', async () => {
        const [id] = await publish(['a']);
        for (let i = 1; i < 3; i++) {
          await claim(1, T0 + i);
          await sut.release(NS, [qref(id)], HOLDER, release(T0 + i, T0 + i, 3));
        }
        const [third] = await claim(1, T0 + 3);

        expect(third.attempt).toBe(3);
        expect(await sut.release(NS, [qref(id)], HOLDER, release(T0 + 4, T0 + 4, 3))).toEqual([qref(id)]);
        expect(await claim(10, T0 + 5)).toEqual([]);
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toEqual([
          { id, client: '', payload: 'a', attempts: 3, reason: 'max-attempts', deadLetteredAt: T0 + 4 },
        ]);
        expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1 });
      });

      it('ignores refs the holder does not hold', async () => {
        const [a, b] = await publish(['a', 'b']);
        await claim(1);

        expect(await sut.release(NS, [qref(a), qref(b), qref('x')], OTHER_HOLDER, release(T0 + 1))).toEqual([]);
        expect(await sut.release(NS, [qref(b)], HOLDER, release(T0 + 1))).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 1 });
      });
    });

    describe('releaseHolder', () => {
      it('releases everything the holder has in flight and returns the channels woken', async () => {
        await publish(['a1', 'a2'], T0, queue('a'));
        await publish(['b1'], T0, queue('b'));
        await publish(['c1'], T0, queue('c'));
        await claim(10, T0, queue('a'));
        await claim(10, T0, queue('b'));
        await claim(10, T0, queue('c'), OTHER_HOLDER);

        const woken = await sut.releaseHolder(HOLDER, release(T0 + 1));

        expect(sortedChannels(woken)).toEqual([queue('a'), queue('b')]);
        expect(await stats(queue('a'))).toMatchObject({ ready: 2, inFlight: 0 });
        expect(await stats(queue('b'))).toMatchObject({ ready: 1, inFlight: 0 });
        expect(await stats(queue('c'))).toMatchObject({ ready: 0, inFlight: 1 });
        expect((await claim(10, T0 + 2, queue('a'), OTHER_HOLDER)).map((d) => [d.payload, d.attempt])).toEqual([
          ['a1', 2],
          ['a2', 2],
        ]);
      });

      it('returns no channel for a holder that holds nothing', async () => {
        await publish(['a']);

        expect(await sut.releaseHolder(HOLDER, release(T0))).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 1 });
      });

      it('dead-letters what was delivered maxAttempts times', async () => {
        const [id] = await publish(['a']);
        await claim(1);

        await sut.releaseHolder(HOLDER, release(T0 + 1, T0 + 1, 1));

        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toMatchObject([{ id, reason: 'max-attempts', attempts: 1 }]);
      });
    });

    describe('deadLetter', () => {
      it('dead-letters a held message with reason rejected', async () => {
        const [a] = await publish(['a', 'b']);
        await claim(1);

        expect(await sut.deadLetter(NS, [qref(a)], HOLDER, T0 + 5, 'rejected')).toEqual([qref(a)]);
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toEqual([
          { id: a, client: '', payload: 'a', attempts: 1, reason: 'rejected', deadLetteredAt: T0 + 5 },
        ]);
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 0, deadLettered: 1 });
      });

      it('ignores a message the holder does not hold', async () => {
        const [a, b] = await publish(['a', 'b']);
        await claim(1);

        expect(await sut.deadLetter(NS, [qref(a), qref(b), qref('x')], OTHER_HOLDER, T0 + 1, 'rejected')).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 1, deadLettered: 0 });
      });

      it('without a holder sets aside a message in any live state, with the reason given', async () => {
        const [a, b] = await publish(['a', 'b', 'c']);
        await sut.enqueue(queue(), [msg('later', { delayMs: 1000 })], T0);
        await claim(1);

        const refs = [qref(a), qref(b), qref('x')];
        expect(await sut.deadLetter(NS, refs, null, T0 + 5, 'unreadable')).toEqual([qref(a), qref(b)]);
        expect(await sut.deadLetter(NS, [qref(a)], null, T0 + 6, 'unreadable')).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 0, delayed: 1, deadLettered: 2 });
        expect((await sut.deadLetters(NS, 'queue', 'jobs', 10)).map((d) => [d.payload, d.reason])).toEqual([
          ['a', 'unreadable'],
          ['b', 'unreadable'],
        ]);
        expect(payloads(await sut.peekReady(queue(), 10, T0 + 6))).toEqual(['c']);
      });
    });

    describe('deadLetters', () => {
      it('lists oldest first, up to limit', async () => {
        const [a, b, c] = await publish(['a', 'b', 'c']);
        await claim(3);
        await sut.deadLetter(NS, [qref(c)], HOLDER, T0 + 1, 'rejected');
        await sut.deadLetter(NS, [qref(a)], HOLDER, T0 + 2, 'rejected');
        await sut.deadLetter(NS, [qref(b)], HOLDER, T0 + 3, 'rejected');

        expect((await sut.deadLetters(NS, 'queue', 'jobs', 10)).map((d) => d.payload)).toEqual(['c', 'a', 'b']);
        expect((await sut.deadLetters(NS, 'queue', 'jobs', 2)).map((d) => d.payload)).toEqual(['c', 'a']);
      });

      it('is empty for a queue without dead letters', async () => {
        await publish(['a']);

        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toEqual([]);
      });
    });

    describe('redrive', () => {
      it('puts dead-lettered messages back ready, attempt starting at 1 again', async () => {
        const [a, b] = await publish(['a', 'b']);
        await claim(2);
        await sut.deadLetter(NS, [qref(b)], HOLDER, T0 + 1, 'rejected');
        await sut.deadLetter(NS, [qref(a)], HOLDER, T0 + 2, 'rejected');

        expect(await sut.redrive(NS, 'queue', 'jobs', T0 + 3)).toEqual([queue()]);
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toEqual([]);
        expect(await stats()).toMatchObject({ ready: 2, deadLettered: 0 });
        const again = await claim(10, T0 + 4);
        expect(again.map((d) => [d.payload, d.attempt])).toEqual([
          ['a', 1],
          ['b', 1],
        ]);
      });

      it('drops the TTL of a redriven message so it can be delivered', async () => {
        const [id] = await sut.enqueue(queue(), [msg('short-lived', { ttlMs: 10 })], T0);
        await sut.sweep(T0 + 20, 5, false);
        expect((await sut.deadLetters(NS, 'queue', 'jobs', 10)).map((d) => [d.id, d.reason])).toEqual([[id.id, 'expired']]);

        await sut.redrive(NS, 'queue', 'jobs', T0 + 30);
        await sut.sweep(T0 + 1000, 5, false);
        const again = await claim(10, T0 + 1000);
        expect(again.map((d) => d.id)).toEqual([id.id]);
      });

      it('returns no channel when nothing is dead-lettered', async () => {
        await publish(['a']);

        expect(await sut.redrive(NS, 'queue', 'jobs', T0)).toEqual([]);
      });
    });

    describe('sweep', () => {
      it('releases a message whose ack deadline passed', async () => {
        await publish(['a']);
        await claim(1, T0, queue(), HOLDER, T0 + 100);

        expect(await sut.sweep(T0 + 99, MAX_ATTEMPTS, false)).toMatchObject({ woken: [], timedOut: 0 });
        expect(await sut.sweep(T0 + 100, MAX_ATTEMPTS, false)).toMatchObject({ woken: [queue()], timedOut: 1 });
        expect(await sut.ack(NS, [qref((await claim(1, T0 + 101, queue(), OTHER_HOLDER))[0].id)], HOLDER, T0 + 102)).toEqual([]);
      });

      it('delivers a timed-out message again with attempt + 1', async () => {
        await publish(['a']);
        await claim(1, T0, queue(), HOLDER, T0 + 100);
        await sut.sweep(T0 + 100, MAX_ATTEMPTS, false);

        expect((await claim(1, T0 + 101, queue(), OTHER_HOLDER)).map((d) => d.attempt)).toEqual([2]);
        expect(await stats()).toMatchObject({ redelivered: 1 });
      });

      it('dead-letters a timed-out message that was delivered maxAttempts times', async () => {
        const [id] = await publish(['a']);
        await claim(1, T0, queue(), HOLDER, T0 + 100);

        expect(await sut.sweep(T0 + 100, 1, false)).toMatchObject({ timedOut: 1 });
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toMatchObject([{ id, attempts: 1, reason: 'max-attempts' }]);
        expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1 });
      });

      it('releases every timed-out message, whatever deadlines redeliveries gave others', async () => {
        await publish(['a', 'b']);
        await claim(1, T0, queue(), HOLDER, T0 + 100);
        await claim(1, T0, queue(), OTHER_HOLDER, T0 + 200);
        await sut.redeliverHeld(queue(), HOLDER, T0 + 50, T0 + 1000, MAX_ATTEMPTS, null);

        expect(await sut.sweep(T0 + 300, MAX_ATTEMPTS, false)).toMatchObject({ timedOut: 1, woken: [queue()] });
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 1 });
        expect(payloads(await claim(10, T0 + 301))).toEqual(['b']);
      });

      it('promotes due delayed messages and returns their channels as woken', async () => {
        await publish(['a'], T0, queue('a'), { delayMs: 1000 });
        await publish(['b'], T0, queue('b'), { delayMs: 2000 });

        expect(await sut.sweep(T0 + 999, MAX_ATTEMPTS, false)).toMatchObject({ woken: [] });
        expect(await sut.sweep(T0 + 1500, MAX_ATTEMPTS, false)).toMatchObject({ woken: [queue('a')] });
        expect(await stats(queue('a'))).toMatchObject({ ready: 1, delayed: 0 });
        expect(await stats(queue('b'))).toMatchObject({ ready: 0, delayed: 1 });
      });

      it('dead-letters ready and delayed messages whose TTL passed as expired', async () => {
        await publish(['ready'], T0, queue(), { ttlMs: 1000 });
        await publish(['delayed'], T0, queue(), { ttlMs: 2000, delayMs: 5000 });
        await publish(['keeps'], T0, queue(), { ttlMs: 10_000 });

        expect(await sut.sweep(T0 + 1000, MAX_ATTEMPTS, false)).toMatchObject({ expired: 1 });
        expect(await sut.sweep(T0 + 2000, MAX_ATTEMPTS, false)).toMatchObject({ expired: 1 });
        const dead = await sut.deadLetters(NS, 'queue', 'jobs', 10);
        expect(dead.map((d) => [d.payload, d.reason, d.deadLetteredAt])).toEqual([
          ['ready', 'expired', T0 + 1000],
          ['delayed', 'expired', T0 + 2000],
        ]);
        expect(await stats()).toMatchObject({ ready: 1, delayed: 0, deadLettered: 2 });
      });

      it('does not expire a message in flight, which its holder can still ack', async () => {
        const [id] = await publish(['a'], T0, queue(), { ttlMs: 1000 });
        await claim(1);

        expect(await sut.sweep(T0 + 2000, MAX_ATTEMPTS, false)).toMatchObject({ expired: 0 });
        expect(await sut.ack(NS, [qref(id)], HOLDER, T0 + 2001)).toEqual([qref(id)]);
      });

      it('expires a message whose TTL passed in flight once it is released', async () => {
        await publish(['a'], T0, queue(), { ttlMs: 1000 });
        await claim(1, T0, queue(), HOLDER, T0 + 5000);
        await sut.sweep(T0 + 2000, MAX_ATTEMPTS, false);

        const result = await sut.sweep(T0 + 5000, MAX_ATTEMPTS, false);

        expect(result).toMatchObject({ timedOut: 1, expired: 1 });
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toMatchObject([{ payload: 'a', reason: 'expired' }]);
        expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1 });
      });

      it('with recoverAll releases every in-flight message, due or not', async () => {
        await publish(['a', 'b']);
        await claim(1);
        await claim(1, T0, queue(), OTHER_HOLDER);

        expect(await sut.sweep(T0 + 1, MAX_ATTEMPTS, true)).toMatchObject({ woken: [queue()], timedOut: 2 });
        expect(await stats()).toMatchObject({ ready: 2, inFlight: 0 });
        expect((await claim(10, T0 + 2)).map((d) => d.attempt)).toEqual([2, 2]);
      });

      it('returns the earliest future due time as nextDueAt', async () => {
        const [c] = await publish(['in flight']);
        await claim(1, T0, queue(), HOLDER, T0 + 3000);
        await publish(['expiring'], T0, queue(), { ttlMs: 4000 });
        await publish(['delayed'], T0, queue(), { delayMs: 5000 });

        expect((await sut.sweep(T0, MAX_ATTEMPTS, false)).nextDueAt).toBe(T0 + 3000);
        await sut.ack(NS, [qref(c)], HOLDER, T0 + 1);
        expect((await sut.sweep(T0 + 1, MAX_ATTEMPTS, false)).nextDueAt).toBe(T0 + 4000);
        expect((await sut.sweep(T0 + 4000, MAX_ATTEMPTS, false)).nextDueAt).toBe(T0 + 5000);
        expect((await sut.sweep(T0 + 5000, MAX_ATTEMPTS, false)).nextDueAt).toBeNull();
      });

      it('returns nextDueAt null when nothing is pending', async () => {
        expect((await sut.sweep(T0, MAX_ATTEMPTS, false)).nextDueAt).toBeNull();
        const [id] = await publish(['a'], T0, queue(), { ttlMs: 60_000 });
        await claim(1);
        await sut.ack(NS, [qref(id)], HOLDER, T0 + 1);

        expect(await sut.sweep(T0 + 2, MAX_ATTEMPTS, false)).toEqual({ woken: [], timedOut: 0, expired: 0, nextDueAt: null });
      });
    });

    describe('redeliverHeld', () => {
      it('delivers again what the holder holds in the channel, attempt + 1 and a new deadline', async () => {
        await publish(['a', 'b', 'c']);
        await claim(2, T0, queue(), HOLDER, T0 + 100);

        const again = await sut.redeliverHeld(queue(), HOLDER, T0 + 50, T0 + 1000, MAX_ATTEMPTS, null);

        expect(again.map((d) => [d.payload, d.attempt])).toEqual([
          ['a', 2],
          ['b', 2],
        ]);
        expect(again.every((d) => d.channel.name === 'jobs' && d.publishedAt === T0)).toBe(true);
        expect(await sut.sweep(T0 + 500, MAX_ATTEMPTS, false)).toMatchObject({ timedOut: 0 });
        expect(await stats()).toMatchObject({ ready: 1, inFlight: 2, redelivered: 2 });
        expect(await sut.ack(NS, again.map(refOf), HOLDER, T0 + 600)).toHaveLength(2);
      });

      it('leaves out what other holders and other channels hold', async () => {
        await publish(['a', 'b']);
        await publish(['other'], T0, queue('other'));
        await claim(1);
        await claim(1, T0, queue(), OTHER_HOLDER);
        await claim(1, T0, queue('other'));

        const again = await sut.redeliverHeld(queue(), HOLDER, T0 + 1, T0 + 1000, MAX_ATTEMPTS, null);

        expect(payloads(again)).toEqual(['a']);
      });

      it('with ids, delivers again only those, and charges the others nothing', async () => {
        const [a, b, c] = await publish(['a', 'b', 'c']);
        await claim(3);

        const again = await sut.redeliverHeld(queue(), HOLDER, T0 + 1, T0 + 1000, MAX_ATTEMPTS, [b, 'unknown']);

        expect(again.map((d) => [d.id, d.attempt])).toEqual([[b, 2]]);
        expect(await sut.redeliverHeld(queue(), HOLDER, T0 + 2, T0 + 1000, MAX_ATTEMPTS, [])).toEqual([]);
        expect(await stats()).toMatchObject({ inFlight: 3, redelivered: 1 });
        const rest = await sut.redeliverHeld(queue(), HOLDER, T0 + 3, T0 + 1000, MAX_ATTEMPTS, [a, c]);
        expect(rest.map((d) => [d.id, d.attempt])).toEqual([
          [a, 2],
          [c, 2],
        ]);
      });

      it('dead-letters instead what was delivered maxAttempts times', async () => {
        const [a, b] = await publish(['a', 'b']);
        await claim(1);
        await sut.release(NS, [qref(a)], HOLDER, release(T0));
        await claim(2);

        const again = await sut.redeliverHeld(queue(), HOLDER, T0 + 1, T0 + 1000, 2, null);

        expect(again.map((d) => [d.id, d.attempt])).toEqual([[b, 2]]);
        expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toMatchObject([{ id: a, attempts: 2, reason: 'max-attempts' }]);
        expect(await stats()).toMatchObject({ inFlight: 1, deadLettered: 1 });
      });
    });

    describe('peekReady', () => {
      it('lists ready messages in delivery order without claiming them', async () => {
        await sut.enqueue(queue(), [msg('a'), msg('b'), msg('top', { priority: 3 }), msg('c')], T0);

        const peeked = await sut.peekReady(queue(), 3, T0 + 1);

        expect(peeked.map((d) => [d.payload, d.attempt])).toEqual([
          ['top', 1],
          ['a', 1],
          ['b', 1],
        ]);
        expect(await stats()).toMatchObject({ ready: 4, inFlight: 0 });
        expect(payloads(await claim(10, T0 + 2))).toEqual(['top', 'a', 'b', 'c']);
      });

      it('leaves out messages past their TTL and still fills max', async () => {
        await publish(['x1', 'x2'], T0, queue(), { ttlMs: 100, priority: 1 });
        await publish(['a', 'b', 'c']);

        expect(payloads(await sut.peekReady(queue(), 2, T0 + 100))).toEqual(['a', 'b']);
      });

      it('leaves out in-flight and delayed messages', async () => {
        await publish(['a', 'b']);
        await publish(['later'], T0, queue(), { delayMs: 1000 });
        await claim(1);

        expect(payloads(await sut.peekReady(queue(), 10, T0 + 1))).toEqual(['b']);
      });
    });

    describe('purge', () => {
      it('removes the ready messages only and returns how many', async () => {
        const [held] = await publish(['held']);
        await claim(1);
        await publish(['a', 'b', 'c']);
        await publish(['later'], T0, queue(), { delayMs: 1000 });

        expect(await sut.purge(queue())).toBe(3);
        expect(await stats()).toMatchObject({ ready: 0, inFlight: 1, delayed: 1, oldestReadyAt: null });
        expect(await sut.ack(NS, [qref(held)], HOLDER, T0 + 1)).toEqual([qref(held)]);
        await sut.sweep(T0 + 1000, MAX_ATTEMPTS, false);
        expect(payloads(await claim(10, T0 + 1000))).toEqual(['later']);
      });

      it('returns 0 for an unknown queue and does not declare it', async () => {
        expect(await sut.purge(queue('ghost'))).toBe(0);

        expect(await stats(queue('ghost'))).toBeNull();
        expect(await sut.list(NS, 'queue')).toEqual([]);
      });

      it('leaves a queue purged before its first publish listed once it is used', async () => {
        await sut.purge(queue('fresh'));
        await publish(['a'], T0, queue('fresh'));

        expect(await sut.list(NS, 'queue')).toEqual(['fresh']);
        expect(await stats(queue('fresh'))).toMatchObject({ ready: 1, published: 1 });
      });
    });

    describe('stats', () => {
      it('is null for a channel never declared', async () => {
        await publish(['a']);

        expect(await stats(queue('never'))).toBeNull();
        expect(await sut.stats(NS, 'room', 'jobs')).toBeNull();
        expect(await sut.stats('caps', 'queue', 'jobs')).toBeNull();
      });

      it('counts nothing for a declared queue', async () => {
        await sut.declare(NS, 'queue', 'jobs', T0);

        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS });
      });

      it('counts published and ready messages, and the oldest ready publish time', async () => {
        await publish(['a'], T0);
        await publish(['b', 'c'], T0 + 10);

        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, ready: 3, published: 3, oldestReadyAt: T0 });
        await claim(1, T0 + 20);
        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, ready: 2, inFlight: 1, published: 3, oldestReadyAt: T0 + 10 });
      });

      it('counts claims and acks', async () => {
        const [a] = await publish(['a', 'b']);
        await claim(1);
        await sut.ack(NS, [qref(a)], HOLDER, T0 + 1);

        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, ready: 1, published: 2, acked: 1, oldestReadyAt: T0 });
        await claim(1);
        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, inFlight: 1, published: 2, acked: 1 });
      });

      it('counts a release, a delayed release and the redeliveries that follow', async () => {
        const [a, b] = await publish(['a', 'b']);
        await claim(2);
        await sut.release(NS, [qref(a)], HOLDER, release(T0 + 1));
        await sut.release(NS, [qref(b)], HOLDER, release(T0 + 1, T0 + 500));

        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, ready: 1, delayed: 1, published: 2, oldestReadyAt: T0 });
        await sut.sweep(T0 + 500, MAX_ATTEMPTS, false);
        await claim(2, T0 + 500);
        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, inFlight: 2, published: 2, redelivered: 2 });
      });

      it('counts dead letters, redrives and expiries', async () => {
        const [a] = await publish(['a']);
        await publish(['short'], T0, queue(), { ttlMs: 100 });
        await claim(1);
        await sut.deadLetter(NS, [qref(a)], HOLDER, T0 + 1, 'rejected');
        await sut.sweep(T0 + 100, MAX_ATTEMPTS, false);

        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, deadLettered: 2, published: 2 });
        await sut.redrive(NS, 'queue', 'jobs', T0 + 200);
        expect(await stats()).toMatchObject({ ready: 2, deadLettered: 0, published: 2, oldestReadyAt: T0 });
      });

      it('counts delayed messages and their promotion', async () => {
        await publish(['later'], T0, queue(), { delayMs: 1000 });

        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, delayed: 1, published: 1 });
        await sut.sweep(T0 + 1000, MAX_ATTEMPTS, false);
        expect(await stats()).toEqual({ name: 'jobs', ...EMPTY_STATS, ready: 1, published: 1, oldestReadyAt: T0 });
      });

      it('counts a purge', async () => {
        await publish(['a', 'b']);
        await sut.purge(queue());

        expect(await stats()).toMatchObject({ ready: 0, published: 2, oldestReadyAt: null });
      });

      it('aggregates a room over its members', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        const first = await sut.fanOut(NS, 'acme', msg('one'), T0);
        await sut.fanOut(NS, 'acme', msg('two'), T0 + 10);
        await sut.fanOut(NS, 'acme', msg('three', { delayMs: 1000 }), T0 + 20);
        await claim(10, T0 + 30, copyOf('acme', 'alice'));
        await sut.ack(NS, [{ id: first.id, client: 'alice' }], HOLDER, T0 + 40);

        expect(await sut.stats(NS, 'room', 'acme')).toEqual({
          name: 'acme',
          ...EMPTY_STATS,
          ready: 2,
          inFlight: 1,
          delayed: 2,
          published: 3,
          acked: 1,
          oldestReadyAt: T0,
        });
      });
    });

    describe('declare and list', () => {
      it('lists declared names sorted, per namespace and kind, declaring idempotently', async () => {
        await sut.declare(NS, 'queue', 'b', T0);
        await sut.declare(NS, 'queue', 'a', T0);
        await sut.declare(NS, 'queue', 'b', T0 + 1);
        await sut.declare(NS, 'room', 'r', T0);
        await sut.declare('caps', 'queue', 'pickup', T0);

        expect(await sut.list(NS, 'queue')).toEqual(['a', 'b']);
        expect(await sut.list(NS, 'room')).toEqual(['r']);
        expect(await sut.list('caps', 'queue')).toEqual(['pickup']);
        expect(await sut.list('nobody', 'queue')).toEqual([]);
      });

      it('declares a queue on its first publish and a room on its first member', async () => {
        await publish(['a'], T0, queue('jobs'));
        await sut.join(NS, 'acme', 'alice', T0);

        expect(await sut.list(NS, 'queue')).toEqual(['jobs']);
        expect(await sut.list(NS, 'room')).toEqual(['acme']);
      });

      it('keeps the counts of a queue declared again', async () => {
        await publish(['a']);
        await sut.declare(NS, 'queue', 'jobs', T0 + 1);

        expect(await stats()).toMatchObject({ ready: 1, published: 1 });
      });

      it('answers ping once open', async () => {
        await expect(sut.ping()).resolves.toBeUndefined();
      });
    });

    describe('rooms', () => {
      it('keeps durable memberships by client id', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        await sut.join(NS, 'zeta', 'alice', T0);
        await sut.join(NS, 'acme', 'alice', T0 + 1);
        await sut.join('caps', 'acme', 'carol', T0);

        expect(await sut.memberCount(NS, 'acme')).toBe(2);
        expect(await sut.memberships(NS, 'alice')).toEqual(['acme', 'zeta']);
        expect(await sut.memberships('caps', 'alice')).toEqual([]);
        expect(await sut.memberCount('caps', 'acme')).toBe(1);
      });

      it('ends a membership on leave', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        await sut.leave(NS, 'acme', 'alice');
        await sut.leave(NS, 'acme', 'nobody');

        expect(await sut.memberCount(NS, 'acme')).toBe(1);
        expect(await sut.memberships(NS, 'alice')).toEqual([]);
        expect(await sut.memberCount(NS, 'empty')).toBe(0);
      });

      it('fans out one copy per durable member, all with the same id', async () => {
        await sut.join(NS, 'acme', 'bob', T0);
        await sut.join(NS, 'acme', 'alice', T0);

        const result = await sut.fanOut(NS, 'acme', msg('hello', { headers: { h: '1' } }), T0);

        expect(result.duplicate).toBe(false);
        expect([...result.clients].sort()).toEqual(['alice', 'bob']);
        const [alice] = await claim(10, T0, copyOf('acme', 'alice'));
        const [bob] = await claim(10, T0, copyOf('acme', 'bob'));
        expect(alice).toEqual({ id: result.id, channel: copyOf('acme', 'alice'), payload: 'hello', headers: { h: '1' }, attempt: 1, publishedAt: T0 });
        expect(bob).toMatchObject({ id: result.id, channel: copyOf('acme', 'bob') });
        expect(await sut.stats(NS, 'room', 'acme')).toMatchObject({ inFlight: 2, published: 1 });
      });

      it('gives no copy to a client that left or joined after the publish', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        await sut.leave(NS, 'acme', 'bob');

        const result = await sut.fanOut(NS, 'acme', msg('hello'), T0);
        await sut.join(NS, 'acme', 'carol', T0 + 1);

        expect(result.clients).toEqual(['alice']);
        expect(await claim(10, T0 + 2, copyOf('acme', 'bob'))).toEqual([]);
        expect(await claim(10, T0 + 2, copyOf('acme', 'carol'))).toEqual([]);
      });

      it('lets each member claim and ack its copy independently', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        const { id } = await sut.fanOut(NS, 'acme', msg('hello'), T0);
        const [aliceCopy] = await claim(10, T0, copyOf('acme', 'alice'), 'node1/alice');

        expect(await sut.ack(NS, [{ id, client: 'alice' }], 'node1/alice', T0 + 1)).toEqual([{ id, client: 'alice' }]);
        expect(aliceCopy.attempt).toBe(1);
        expect(await sut.ack(NS, [{ id, client: 'bob' }], 'node1/alice', T0 + 1)).toEqual([]);
        const [bobCopy] = await claim(10, T0 + 2, copyOf('acme', 'bob'), 'node1/bob');
        expect(bobCopy).toMatchObject({ id, attempt: 1 });
        expect(await claim(10, T0 + 2, copyOf('acme', 'alice'), 'node1/alice')).toEqual([]);
      });

      it('returns a known key as a duplicate with no clients and stores nothing', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        const first = await sut.fanOut(NS, 'acme', msg('hello', { key: 'k' }), T0);

        const again = await sut.fanOut(NS, 'acme', msg('hello', { key: 'k' }), T0 + 1);

        expect(first).toMatchObject({ duplicate: false, clients: ['alice'] });
        expect(again).toEqual({ id: first.id, duplicate: true, clients: [] });
        expect(await sut.stats(NS, 'room', 'acme')).toMatchObject({ ready: 1, published: 1 });
      });

      it('stores delayed copies that a sweep promotes per member', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        await sut.fanOut(NS, 'acme', msg('later', { delayMs: 1000 }), T0);

        expect(await claim(10, T0 + 1000, copyOf('acme', 'alice'))).toEqual([]);
        const { woken } = await sut.sweep(T0 + 1000, MAX_ATTEMPTS, false);
        expect(sortedChannels(woken)).toEqual([copyOf('acme', 'alice'), copyOf('acme', 'bob')]);
        expect(payloads(await claim(10, T0 + 1000, copyOf('acme', 'alice')))).toEqual(['later']);
      });

      it('lists dead-lettered copies with their client and redrives each to its client', async () => {
        await sut.join(NS, 'acme', 'alice', T0);
        await sut.join(NS, 'acme', 'bob', T0);
        const { id } = await sut.fanOut(NS, 'acme', msg('hello'), T0);
        const [a] = await claim(1, T0, copyOf('acme', 'alice'), 'node1/alice');
        const [b] = await claim(1, T0, copyOf('acme', 'bob'), 'node1/bob');
        await sut.deadLetter(NS, [refOf(a)], 'node1/alice', T0 + 1, 'rejected');
        await sut.deadLetter(NS, [refOf(b)], 'node1/bob', T0 + 2, 'rejected');
        await sut.leave(NS, 'acme', 'bob');

        expect((await sut.deadLetters(NS, 'room', 'acme', 10)).map((d) => [d.id, d.client, d.reason])).toEqual([
          [id, 'alice', 'rejected'],
          [id, 'bob', 'rejected'],
        ]);
        expect(sortedChannels(await sut.redrive(NS, 'room', 'acme', T0 + 3))).toEqual([copyOf('acme', 'alice'), copyOf('acme', 'bob')]);
        expect(await claim(10, T0 + 4, copyOf('acme', 'bob'))).toMatchObject([{ id, attempt: 1 }]);
      });
    });

    if (options.durable) {
      describe('durability', () => {
        const reopen = async (): Promise<MessageStore> => {
          if (!fixture.reopen) throw new Error(`${name}: a durable store's fixture must provide reopen()`);
          sut = await fixture.reopen();
          return sut;
        };

        it('keeps messages, counters, dead letters, keys and memberships across a reopen', async () => {
          await sut.enqueue(queue(), [msg('a', { key: 'k', headers: { h: 'v' } }), msg('top', { priority: 7 }), msg('b'), msg('c')], T0);
          await publish(['later'], T0 + 1, queue(), { delayMs: 10_000 });
          const [top, a] = await claim(2, T0 + 2);
          await sut.ack(NS, [refOf(top)], HOLDER, T0 + 3);
          await sut.release(NS, [refOf(a)], HOLDER, release(T0 + 4));
          const [, b] = await claim(2, T0 + 5);
          await sut.deadLetter(NS, [refOf(b)], HOLDER, T0 + 6, 'rejected');
          await sut.join(NS, 'acme', 'alice', T0);
          await sut.fanOut(NS, 'acme', msg('hello'), T0 + 7);
          await sut.declare(NS, 'queue', 'empty', T0);
          const before = {
            queue: await stats(),
            room: await sut.stats(NS, 'room', 'acme'),
            empty: await stats(queue('empty')),
            dead: await sut.deadLetters(NS, 'queue', 'jobs', 10),
          };

          await reopen();

          expect(await stats()).toEqual(before.queue);
          expect(await sut.stats(NS, 'room', 'acme')).toEqual(before.room);
          expect(await stats(queue('empty'))).toEqual(before.empty);
          expect(await sut.deadLetters(NS, 'queue', 'jobs', 10)).toEqual(before.dead);
          expect(await sut.list(NS, 'queue')).toEqual(['empty', 'jobs']);
          expect(await sut.memberships(NS, 'alice')).toEqual(['acme']);
          expect(await sut.enqueue(queue(), [msg('a again', { key: 'k' })], T0 + 8)).toEqual([{ id: a.id, duplicate: true }]);
          await sut.sweep(T0 + 10_001, MAX_ATTEMPTS, true);
          const rest = await claim(10, T0 + 10_001);
          expect(rest.map((d) => [d.payload, d.attempt, d.headers])).toEqual([
            ['a', 3, { h: 'v' }],
            ['c', 1, {}],
            ['later', 1, {}],
          ]);
          expect(payloads(await claim(10, T0 + 10_001, copyOf('acme', 'alice')))).toEqual(['hello']);
        });

        it('keeps the counters identical across a reopen after every kind of transition', async () => {
          const [a, b, c] = await publish(['a', 'b', 'c', 'd']);
          await claim(3);
          await sut.ack(NS, [qref(a)], HOLDER, T0 + 1);
          await sut.release(NS, [qref(b)], HOLDER, release(T0 + 1, T0 + 1000));
          await sut.deadLetter(NS, [qref(c)], HOLDER, T0 + 1, 'rejected');
          await sut.sweep(T0 + 1000, MAX_ATTEMPTS, false);
          await claim(1, T0 + 1000);
          await sut.redeliverHeld(queue(), HOLDER, T0 + 1001, T0 + 5000, MAX_ATTEMPTS, null);
          const before = await stats();

          await reopen();

          expect(await stats()).toEqual(before);
          expect(before).toMatchObject({ ready: 1, inFlight: 1, deadLettered: 1, published: 4, acked: 1, redelivered: 2 });
        });

        it('never brings back an acked message', async () => {
          const [a] = await publish(['a', 'b']);
          await claim(2);
          await sut.ack(NS, [qref(a)], HOLDER, T0 + 1);

          await reopen();
          await sut.sweep(T0 + 2, MAX_ATTEMPTS, true);

          expect(payloads(await claim(10, T0 + 3))).toEqual(['b']);
          expect(await stats()).toMatchObject({ acked: 1, ready: 0, inFlight: 1 });
        });

        it('releases what was in flight at close on a sweep with recoverAll', async () => {
          await publish(['a', 'b', 'c']);
          await claim(2, T0, queue(), HOLDER, T0 + ACK_TIMEOUT);

          await reopen();
          expect(await stats()).toMatchObject({ ready: 1, inFlight: 2 });
          const result = await sut.sweep(T0 + 1, MAX_ATTEMPTS, true);

          expect(result).toMatchObject({ woken: [queue()], timedOut: 2 });
          expect((await claim(10, T0 + 2, queue(), OTHER_HOLDER)).map((d) => [d.payload, d.attempt])).toEqual([
            ['a', 2],
            ['b', 2],
            ['c', 1],
          ]);
        });
      });
    }
  });
}
