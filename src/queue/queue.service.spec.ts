import { payloads, settle, until } from '../../test/support/event-loop.js';
import { DELIVERY_PROVIDERS } from '../delivery/delivery.module.js';
import { Test, TestingModule } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../common/clock.js';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { NodeId } from '../common/node-id.js';
import { CourierConfig } from '../config/courier-config.js';
import { MemoryMessageStore } from '../store/memory/memory-message-store.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { SqliteMessageStore } from '../store/sqlite/sqlite-message-store.js';
import { Delivery } from '../store/stored-message.js';
import { Consumer } from '../delivery/consumer.js';
import { QueueService } from './queue.service.js';
import { QueueStats } from './queue-stats.js';
import { RedeliveryScheduler } from '../delivery/redelivery.scheduler.js';
import { WakeBus } from '../delivery/wake-bus.js';
import { FakeClock } from '../../test/support/fake-clock.js';

const NS = 'events';
const Q = 'jobs';
const T0 = 1_700_000_000_000;
const ACK_TIMEOUT_MS = 1000;
const MAX_ATTEMPTS = 3;


interface TestConsumer extends Consumer {
  readonly received: Delivery[];
}

function consumer(id: string): TestConsumer {
  const received: Delivery[] = [];
  return { id, received, deliver: (deliveries) => void received.push(...deliveries) };
}

async function buildEngine(store: MessageStore, clock: FakeClock): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      QueueService,
      ...DELIVERY_PROVIDERS,
      WakeBus,
      NodeId,
      { provide: Clock, useValue: clock },
      { provide: CourierConfig, useValue: CourierConfig.with({ ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS), MAX_ATTEMPTS: String(MAX_ATTEMPTS) }) },
      { provide: MESSAGE_STORE, useValue: store },
    ],
  }).compile();
  // Runs the scheduler's start-up sweep, as app.init() does.
  await moduleRef.init();
  return moduleRef;
}

describe(QueueService.name, () => {
  let moduleRef: TestingModule;
  let sut: QueueService;
  let scheduler: RedeliveryScheduler;
  let clock: FakeClock;

  beforeEach(async () => {
    clock = new FakeClock(T0);
    moduleRef = await buildEngine(new MemoryMessageStore(), clock);
    sut = moduleRef.get(QueueService);
    scheduler = moduleRef.get(RedeliveryScheduler);
  });

  afterEach(async () => {
    await moduleRef.close();
  });

  const publishAll = async (values: unknown[], extra: object = {}): Promise<string[]> => {
    const ids: string[] = [];
    for (const payload of values) ids.push((await sut.publish(NS, Q, { payload, ...extra })).id);
    return ids;
  };

  const stats = async (): Promise<QueueStats> => {
    const s = await sut.stats(NS, Q);
    if (!s) throw new Error(`no stats for ${Q}`);
    return s;
  };

  /** Moves the clock and runs the sweep the scheduler's timer would run then. */
  const passTime = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await scheduler.sweepNow();
    await settle();
  };

  describe('publish', () => {
    it('delivers to a subscriber by priority, then in publish order', async () => {
      await sut.publish(NS, Q, { payload: 'low-1' });
      await sut.publish(NS, Q, { payload: 'high-1', priority: 9 });
      await sut.publish(NS, Q, { payload: 'low-2' });
      await sut.publish(NS, Q, { payload: 'mid', priority: 5 });
      await sut.publish(NS, Q, { payload: 'high-2', priority: 9 });
      const c = consumer('c1');

      await sut.subscribe(NS, Q, c, 10);
      await until(() => c.received.length === 5, 'all five are delivered');

      expect(payloads(c.received)).toEqual(['high-1', 'high-2', 'mid', 'low-1', 'low-2']);
      expect(c.received.map((d) => d.attempt)).toEqual([1, 1, 1, 1, 1]);
    });

    it('hands the consumer the stored envelope: id, channel, encoded payload, headers, attempt, publishedAt', async () => {
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);

      const { id } = await sut.publish(NS, Q, { payload: { order: 7 }, headers: { trace: 'abc' } });
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(c.received[0]).toEqual({
        id,
        channel: { ns: NS, kind: 'queue', name: Q, client: '' },
        payload: '{"order":7}',
        value: { order: 7 },
        headers: { trace: 'abc' },
        attempt: 1,
        publishedAt: T0,
      });
    });

    it('delivers to a subscriber that was already waiting', async () => {
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);

      await publishAll(['a', 'b']);
      await until(() => c.received.length === 2, 'both are delivered');

      expect(payloads(c.received)).toEqual(['a', 'b']);
    });

    it('holds a delayed message back until its delay has passed', async () => {
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);

      await sut.publish(NS, Q, { payload: 'later', delayMs: 500 });
      await settle();
      expect(await stats()).toMatchObject({ ready: 0, delayed: 1 });

      await passTime(499);
      expect(c.received).toHaveLength(0);

      await passTime(1);
      await until(() => c.received.length === 1, 'the delayed message is delivered');
      expect(payloads(c.received)).toEqual(['later']);
    });

    it('dead-letters a message whose TTL passes before anyone takes it, as expired', async () => {
      const { id } = await sut.publish(NS, Q, { payload: 'stale', ttlMs: 100 });
      expect(await stats()).toMatchObject({ ready: 1, deadLettered: 0 });

      await passTime(100);

      expect(await stats()).toMatchObject({ ready: 0, deadLettered: 1, oldestReadyAgeMs: 0 });
      expect(await sut.deadLetters(NS, Q, 10)).toEqual([
        { id, client: '', payload: '"stale"', attempts: 0, reason: 'expired', deadLetteredAt: T0 + 100 },
      ]);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await settle();
      expect(c.received).toHaveLength(0);
    });

    it('never delivers a message past its TTL, even when no sweep ran yet', async () => {
      await sut.publish(NS, Q, { payload: 'stale', ttlMs: 100 });
      await sut.publish(NS, Q, { payload: 'fresh' });
      clock.advance(100);
      const c = consumer('c1');

      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the fresh message is delivered');
      await settle();

      expect(payloads(c.received)).toEqual(['fresh']);
      expect(await stats()).toMatchObject({ deadLettered: 1, inFlight: 1, ready: 0 });
      expect((await sut.deadLetters(NS, Q, 10))[0].reason).toBe('expired');
    });

    it('returns the first id with duplicate:true for a repeated key and stores the message once', async () => {
      const first = await sut.publish(NS, Q, { payload: 'once', key: 'order-1' });
      const second = await sut.publish(NS, Q, { payload: 'once again', key: 'order-1' });

      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ id: first.id, duplicate: true });
      expect(await stats()).toMatchObject({ ready: 1, published: 1 });
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');
      await settle();
      expect(payloads(c.received)).toEqual(['once']);
    });

    it('keeps publish order across single publishes and batches made in one burst', async () => {
      const published = await Promise.all([
        sut.publish(NS, Q, { payload: 'a' }),
        sut.publishBatch(NS, Q, [{ payload: 'b' }, { payload: 'c' }]),
        sut.publish(NS, Q, { payload: 'd' }),
        sut.publish(NS, 'other', { payload: 'elsewhere' }),
        sut.publish(NS, Q, { payload: 'e' }),
      ]);
      const c = consumer('c1');

      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 5, 'all five are delivered');

      expect(payloads(c.received)).toEqual(['a', 'b', 'c', 'd', 'e']);
      const ids = published.flatMap((r) => (Array.isArray(r) ? r.map((x) => x.id) : [r.id]));
      expect(new Set(ids).size).toBe(6);
      expect(await sut.stats(NS, 'other')).toMatchObject({ ready: 1, published: 1 });
    });

    it('treats a repeated key within one burst as a duplicate of the first', async () => {
      const [first, second] = await Promise.all([
        sut.publish(NS, Q, { payload: 'once', key: 'k' }),
        sut.publish(NS, Q, { payload: 'twice', key: 'k' }),
      ]);

      expect(second).toEqual({ id: first.id, duplicate: true });
      expect(await stats()).toMatchObject({ ready: 1, published: 1 });
    });

    it('fails only the invalid publish of a burst', async () => {
      const results = await Promise.allSettled([
        sut.publish(NS, Q, { payload: 'ok-1' }),
        sut.publish(NS, Q, { payload: 'bad', delayMs: -1 }),
        sut.publish(NS, Q, { payload: 'ok-2' }),
      ]);

      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.VALIDATION });
      expect(await stats()).toMatchObject({ ready: 2, published: 2 });
    });

    it('refuses a bad queue name with VALIDATION', async () => {
      await expect(sut.publish(NS, 'bad name!', { payload: 1 })).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      expect(await sut.list(NS)).toEqual([]);
    });
  });

  describe('publishBatch', () => {
    it('stores every message and answers their ids in order', async () => {
      const results = await sut.publishBatch(NS, Q, [{ payload: 1 }, { payload: 2 }, { payload: 3 }]);
      const c = consumer('c1');

      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 3, 'all three are delivered');

      expect(c.received.map((d) => d.id)).toEqual(results.map((r) => r.id));
      expect(await stats()).toMatchObject({ published: 3, inFlight: 3 });
    });

    it('stores nothing when one message is invalid', async () => {
      await sut.publish(NS, Q, { payload: 'before' });

      const attempt = sut.publishBatch(NS, Q, [{ payload: 1 }, { payload: 2, priority: 42 }, { payload: 3 }]);

      await expect(attempt).rejects.toBeInstanceOf(CourierError);
      await expect(attempt).rejects.toMatchObject({ code: ErrorCode.VALIDATION, details: { field: 'messages[1].priority' } });
      expect(await stats()).toMatchObject({ ready: 1, published: 1 });
    });

    it('stores nothing for a queue never used when the batch is invalid', async () => {
      await expect(sut.publishBatch(NS, 'fresh', [{ payload: 1 }, { payload: 2, extra: true } as never])).rejects.toMatchObject({
        code: ErrorCode.VALIDATION,
      });
      expect(await sut.stats(NS, 'fresh')).toBeNull();
    });

    it('refuses an empty batch and one over 1000 messages', async () => {
      await expect(sut.publishBatch(NS, Q, [])).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ payload: i }));
      await expect(sut.publishBatch(NS, Q, tooMany)).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      expect(await sut.stats(NS, Q)).toBeNull();
    });
  });

  describe('subscribe', () => {
    it('never hands a consumer more unacked messages than its prefetch, and refills on ack', async () => {
      await publishAll(['a', 'b', 'c', 'd', 'e']);
      const c = consumer('c1');

      await sut.subscribe(NS, Q, c, 2);
      await until(() => c.received.length === 2, 'the window is full');
      await settle();
      expect(payloads(c.received)).toEqual(['a', 'b']);
      expect(await stats()).toMatchObject({ ready: 3, inFlight: 2, consumers: 1 });

      expect(await sut.ack(NS, 'c1', [c.received[0].id])).toEqual([c.received[0].id]);
      await until(() => c.received.length === 3, 'one slot is refilled');
      await settle();
      expect(payloads(c.received)).toEqual(['a', 'b', 'c']);
      expect(await stats()).toMatchObject({ ready: 2, inFlight: 2, acked: 1 });
    });

    it('applies a new prefetch when the consumer subscribes again', async () => {
      await publishAll(['a', 'b', 'c']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c, 1);
      await until(() => c.received.length === 1, 'the first is delivered');

      await sut.subscribe(NS, Q, c, 3);
      await until(() => c.received.length === 3, 'the wider window is filled');

      expect(sut.consumerCount(NS, Q)).toBe(1);
      expect(payloads(c.received)).toEqual(['a', 'b', 'c']);
    });

    it('refuses a prefetch outside 1..1000', async () => {
      await expect(sut.subscribe(NS, Q, consumer('c1'), 0)).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      await expect(sut.subscribe(NS, Q, consumer('c1'), 1001)).rejects.toMatchObject({ code: ErrorCode.VALIDATION });
      expect(sut.isSubscribed(NS, Q, 'c1')).toBe(false);
    });

    it('shares the load between competing consumers, each message to exactly one', async () => {
      const a = consumer('a');
      const b = consumer('b');
      await sut.subscribe(NS, Q, a, 1);
      await sut.subscribe(NS, Q, b, 1);

      const ids = await publishAll(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      // Each acks what it holds until everything has been delivered.
      for (let round = 0; round < 10 && a.received.length + b.received.length < ids.length; round++) {
        await settle();
        await sut.ack(NS, 'a', a.received.map((d) => d.id));
        await sut.ack(NS, 'b', b.received.map((d) => d.id));
      }
      await settle();

      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      const all = [...a.received, ...b.received].map((d) => d.id).sort();
      expect(all).toEqual([...ids].sort());
      expect(new Set(all).size).toBe(ids.length);
    });

    it('lets two consumers with open windows both take a share of messages published one by one', async () => {
      const a = consumer('a');
      const b = consumer('b');
      await sut.subscribe(NS, Q, a, 10);
      await sut.subscribe(NS, Q, b, 10);

      for (let i = 0; i < 6; i++) {
        await sut.publish(NS, Q, { payload: i });
        await settle();
      }

      expect(a.received.length + b.received.length).toBe(6);
      expect(a.received.length).toBeGreaterThan(0);
      expect(b.received.length).toBeGreaterThan(0);
      expect(new Set([...a.received, ...b.received].map((d) => d.id)).size).toBe(6);
    });
  });

  describe('ack', () => {
    it('settles a held message for good', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(await sut.ack(NS, 'c1', [id])).toEqual([id]);
      await passTime(ACK_TIMEOUT_MS * 2);

      expect(c.received).toHaveLength(1);
      expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, acked: 1, redelivered: 0 });
    });

    it('does not settle a message held by another consumer', async () => {
      const [id] = await publishAll(['a']);
      const holder = consumer('holder');
      const other = consumer('other');
      await sut.subscribe(NS, Q, holder);
      await until(() => holder.received.length === 1, 'the message is delivered');
      await sut.subscribe(NS, Q, other);

      expect(sut.holds(NS, 'other', id)).toBe(false);
      expect(await sut.ack(NS, 'other', [id])).toEqual([]);
      expect(await stats()).toMatchObject({ inFlight: 1, acked: 0 });
      expect(sut.holds(NS, 'holder', id)).toBe(true);
      expect(await sut.ack(NS, 'holder', [id])).toEqual([id]);
    });

    it('does not settle the same message twice', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(await sut.ack(NS, 'c1', [id])).toEqual([id]);
      expect(await sut.ack(NS, 'c1', [id])).toEqual([]);
      expect(await stats()).toMatchObject({ acked: 1 });
    });

    it('settles only the held ids of a mixed list', async () => {
      const [a, b] = await publishAll(['a', 'b']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 2, 'both are delivered');

      expect(await sut.ack(NS, 'c1', [a, 'unknown', b, a])).toEqual([a, b]);
      expect(await stats()).toMatchObject({ inFlight: 0, acked: 2 });
    });

    it('does not settle a message of the same id in another namespace', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(await sut.ack('caps', 'c1', [id])).toEqual([]);
      expect(await stats()).toMatchObject({ inFlight: 1 });
    });
  });

  describe('nack', () => {
    it('requeues by default: delivered again with attempt 2', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(await sut.nack(NS, 'c1', id, true, 0)).toBe(true);
      await until(() => c.received.length === 2, 'the message is delivered again');

      expect(c.received.map((d) => [d.id, d.attempt])).toEqual([
        [id, 1],
        [id, 2],
      ]);
      expect(await stats()).toMatchObject({ inFlight: 1, redelivered: 1 });
    });

    it('holds a message requeued with delayMs back until then', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(await sut.nack(NS, 'c1', id, true, 300)).toBe(true);
      await settle();
      expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, delayed: 1 });

      await passTime(299);
      expect(c.received).toHaveLength(1);

      await passTime(1);
      await until(() => c.received.length === 2, 'the message is delivered again');
      expect(c.received[1]).toMatchObject({ id, attempt: 2 });
    });

    it('dead-letters at once when requeue is false, as rejected', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      expect(await sut.nack(NS, 'c1', id, false, 0)).toBe(true);
      await settle();

      expect(c.received).toHaveLength(1);
      expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1 });
      expect(await sut.deadLetters(NS, Q, 10)).toEqual([{ id, client: '', payload: '"a"', attempts: 1, reason: 'rejected', deadLetteredAt: T0 }]);
    });

    it('answers false and changes nothing for a message the consumer does not hold', async () => {
      const [id] = await publishAll(['a']);
      const holder = consumer('holder');
      await sut.subscribe(NS, Q, holder);
      await until(() => holder.received.length === 1, 'the message is delivered');
      await sut.subscribe(NS, Q, consumer('other'));

      expect(await sut.nack(NS, 'other', id, false, 0)).toBe(false);
      expect(await sut.nack(NS, 'holder', 'unknown', true, 0)).toBe(false);
      expect(await stats()).toMatchObject({ inFlight: 1, deadLettered: 0 });
    });

    it('frees the slot: the next message flows to a consumer with prefetch 1', async () => {
      const [a] = await publishAll(['a', 'b']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c, 1);
      await until(() => c.received.length === 1, 'the first is delivered');

      await sut.nack(NS, 'c1', a, false, 0);
      await until(() => c.received.length === 2, 'the second is delivered');

      expect(payloads(c.received)).toEqual(['a', 'b']);
    });
  });

  describe('ack timeout', () => {
    it('delivers an unacked message again with attempt + 1', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      await passTime(ACK_TIMEOUT_MS - 1);
      expect(c.received).toHaveLength(1);

      await passTime(1);
      await until(() => c.received.length === 2, 'the message is delivered again');
      expect(c.received[1]).toMatchObject({ id, attempt: 2 });
      expect(await stats()).toMatchObject({ inFlight: 1, redelivered: 1 });
    });

    it('restarts the ack timer with each delivery', async () => {
      await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');
      await passTime(ACK_TIMEOUT_MS);
      await until(() => c.received.length === 2, 'the message is delivered again');

      await passTime(ACK_TIMEOUT_MS - 1);

      expect(c.received).toHaveLength(2);
      expect(await sut.ack(NS, 'c1', [c.received[1].id])).toHaveLength(1);
    });

    it('dead-letters a message after MAX_ATTEMPTS deliveries without an ack, as max-attempts', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');
      for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
        await passTime(ACK_TIMEOUT_MS);
        await until(() => c.received.length === attempt, `delivery ${attempt}`);
      }

      await passTime(ACK_TIMEOUT_MS);
      await settle();

      expect(c.received.map((d) => d.attempt)).toEqual([1, 2, 3]);
      expect(await stats()).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1, redelivered: 2 });
      expect(await sut.deadLetters(NS, Q, 10)).toEqual([
        { id, client: '', payload: '"a"', attempts: MAX_ATTEMPTS, reason: 'max-attempts', deadLetteredAt: T0 + MAX_ATTEMPTS * ACK_TIMEOUT_MS },
      ]);
      // The freed slot does not bring it back.
      await passTime(ACK_TIMEOUT_MS);
      expect(c.received).toHaveLength(MAX_ATTEMPTS);
    });
  });

  describe('consumerGone', () => {
    it('gives what the consumer held to another consumer with attempt + 1', async () => {
      const ids = await publishAll(['a', 'b']);
      const gone = consumer('gone');
      await sut.subscribe(NS, Q, gone, 5);
      await until(() => gone.received.length === 2, 'both are delivered');
      const heir = consumer('heir');
      await sut.subscribe(NS, Q, heir, 5);
      await settle();
      expect(heir.received).toHaveLength(0);

      await sut.consumerGone('gone');
      await until(() => heir.received.length === 2, 'both are delivered to the other consumer');

      expect(heir.received.map((d) => [d.id, d.attempt])).toEqual(ids.map((id) => [id, 2]));
      expect(sut.consumerCount(NS, Q)).toBe(1);
      expect(sut.isSubscribed(NS, Q, 'gone')).toBe(false);
      expect(await sut.ack(NS, 'gone', ids)).toEqual([]);
    });

    it('dead-letters what was on its last attempt', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');
      for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
        await passTime(ACK_TIMEOUT_MS);
        await until(() => c.received.length === attempt, `delivery ${attempt}`);
      }

      await sut.consumerGone('c1');

      expect(await stats()).toMatchObject({ inFlight: 0, ready: 0, deadLettered: 1, consumers: 0 });
      expect((await sut.deadLetters(NS, Q, 10))[0]).toMatchObject({ id, reason: 'max-attempts', attempts: MAX_ATTEMPTS });
    });

    it('releases everything on every queue the consumer used', async () => {
      await sut.publish(NS, 'q1', { payload: 1 });
      await sut.publish(NS, 'q2', { payload: 2 });
      const c = consumer('c1');
      await sut.subscribe(NS, 'q1', c);
      await sut.subscribe(NS, 'q2', c);
      await until(() => c.received.length === 2, 'both are delivered');

      await sut.consumerGone('c1');

      expect(await sut.stats(NS, 'q1')).toMatchObject({ ready: 1, inFlight: 0, consumers: 0 });
      expect(await sut.stats(NS, 'q2')).toMatchObject({ ready: 1, inFlight: 0, consumers: 0 });
    });
  });

  describe('unsubscribe', () => {
    it('makes what the consumer held ready again and stops its deliveries', async () => {
      const [a] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');

      await sut.unsubscribe(NS, Q, 'c1');
      await publishAll(['b']);
      await settle();

      expect(c.received).toHaveLength(1);
      expect(await stats()).toMatchObject({ ready: 2, inFlight: 0, consumers: 0 });
      const next = consumer('c2');
      await sut.subscribe(NS, Q, next);
      await until(() => next.received.length === 2, 'both are delivered to the next consumer');
      expect(next.received[0]).toMatchObject({ id: a, attempt: 2 });
      expect(next.received[1]).toMatchObject({ attempt: 1 });
    });

    it('is a no-op for a consumer that is not subscribed', async () => {
      await expect(sut.unsubscribe(NS, Q, 'nobody')).resolves.toBeUndefined();
    });
  });

  describe('redeliverHeld', () => {
    it('delivers again what the consumer holds, with attempt + 1 and a new deadline', async () => {
      const ids = await publishAll(['a', 'b']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 2, 'both are delivered');
      clock.advance(ACK_TIMEOUT_MS - 10);

      expect(await sut.redeliverHeld('c1')).toBe(2);

      expect(c.received.slice(2).map((d) => [d.id, d.attempt])).toEqual(ids.map((id) => [id, 2]));
      expect(await stats()).toMatchObject({ inFlight: 2, redelivered: 2 });
      // The old deadline has passed, the new one has not.
      await passTime(20);
      expect(c.received).toHaveLength(4);
      expect(await sut.ack(NS, 'c1', ids)).toEqual(ids);
    });

    it('only touches the queues asked for', async () => {
      await sut.publish(NS, 'q1', { payload: 1 });
      await sut.publish(NS, 'q2', { payload: 2 });
      const c = consumer('c1');
      await sut.subscribe(NS, 'q1', c);
      await sut.subscribe(NS, 'q2', c);
      await until(() => c.received.length === 2, 'both are delivered');

      expect(await sut.redeliverHeld('c1', ['q2'])).toBe(1);

      expect(c.received[2]).toMatchObject({ channel: { name: 'q2' }, attempt: 2 });
    });

    it('dead-letters what already had its last attempt instead of sending it again', async () => {
      await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c, 1);
      await until(() => c.received.length === 1, 'the message is delivered');
      await sut.redeliverHeld('c1');
      await sut.redeliverHeld('c1');
      expect(c.received.map((d) => d.attempt)).toEqual([1, 2, 3]);

      expect(await sut.redeliverHeld('c1')).toBe(0);

      expect(await stats()).toMatchObject({ inFlight: 0, deadLettered: 1 });
      await publishAll(['b']);
      await until(() => c.received.length === 4, 'the freed slot takes the next message');
      expect(payloads(c.received.slice(3))).toEqual(['b']);
    });
  });

  describe('purge', () => {
    it('removes only the ready messages', async () => {
      await publishAll(['a', 'b', 'c']);
      await sut.publish(NS, Q, { payload: 'later', delayMs: 1000 });
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c, 1);
      await until(() => c.received.length === 1, 'one is delivered');
      await settle();

      expect(await sut.purge(NS, Q)).toBe(2);

      expect(await stats()).toMatchObject({ ready: 0, inFlight: 1, delayed: 1, oldestReadyAgeMs: 0 });
      expect(await sut.ack(NS, 'c1', [c.received[0].id])).toHaveLength(1);
      await passTime(1000);
      await until(() => c.received.length === 2, 'the delayed message is delivered');
      expect(payloads(c.received)).toEqual(['a', 'later']);
    });

    it('answers 0 for a queue never used', async () => {
      expect(await sut.purge(NS, 'never')).toBe(0);
    });
  });

  describe('redrive', () => {
    it('puts dead letters back at attempt 1', async () => {
      const [id] = await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');
      await sut.nack(NS, 'c1', id, false, 0);

      expect(await sut.redrive(NS, Q)).toBe(1);
      await until(() => c.received.length === 2, 'the redriven message is delivered');

      expect(c.received[1]).toMatchObject({ id, attempt: 1 });
      expect(await stats()).toMatchObject({ deadLettered: 0, inFlight: 1 });
      expect(await sut.deadLetters(NS, Q, 10)).toEqual([]);
    });

    it('gives a redriven message MAX_ATTEMPTS fresh deliveries', async () => {
      await publishAll(['a']);
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c);
      await until(() => c.received.length === 1, 'the message is delivered');
      for (let attempt = 2; attempt <= MAX_ATTEMPTS + 1; attempt++) await passTime(ACK_TIMEOUT_MS);
      expect(await stats()).toMatchObject({ deadLettered: 1 });

      await sut.redrive(NS, Q);
      await until(() => c.received.length === MAX_ATTEMPTS + 1, 'the redriven message is delivered');
      await passTime(ACK_TIMEOUT_MS);
      await until(() => c.received.length === MAX_ATTEMPTS + 2, 'it is delivered again');

      expect(c.received.map((d) => d.attempt)).toEqual([1, 2, 3, 1, 2]);
    });

    it('answers 0 when there is nothing to redrive', async () => {
      await publishAll(['a']);
      expect(await sut.redrive(NS, Q)).toBe(0);
    });
  });

  describe('stats', () => {
    it('answers null for a queue never used and lists the queues in use', async () => {
      expect(await sut.stats(NS, Q)).toBeNull();
      await sut.publish(NS, 'b-queue', { payload: 1 });
      await sut.subscribe(NS, 'a-queue', consumer('c1'));
      await sut.publish('caps', 'other-ns', { payload: 1 });

      expect((await sut.list(NS)).map((s) => s.name)).toEqual(['a-queue', 'b-queue']);
      expect(await sut.stats(NS, 'a-queue')).toEqual({
        name: 'a-queue',
        ready: 0,
        inFlight: 0,
        delayed: 0,
        deadLettered: 0,
        consumers: 1,
        published: 0,
        acked: 0,
        redelivered: 0,
        oldestReadyAgeMs: 0,
      });
    });

    it('follows every kind of transition, field by field', async () => {
      const fields = (over: Partial<QueueStats>): QueueStats => ({
        name: Q,
        ready: 0,
        inFlight: 0,
        delayed: 0,
        deadLettered: 0,
        consumers: 0,
        published: 0,
        acked: 0,
        redelivered: 0,
        oldestReadyAgeMs: 0,
        ...over,
      });

      // publish: two ready, one delayed
      const [a, b] = await publishAll(['a', 'b']);
      await sut.publish(NS, Q, { payload: 'later', delayMs: 5000 });
      clock.advance(250);
      expect(await stats()).toEqual(fields({ ready: 2, delayed: 1, published: 3, oldestReadyAgeMs: 250 }));

      // claim: one consumer, prefetch 1
      const c = consumer('c1');
      await sut.subscribe(NS, Q, c, 1);
      await until(() => c.received.length === 1, 'the first is delivered');
      await settle();
      expect(await stats()).toEqual(fields({ ready: 1, inFlight: 1, delayed: 1, consumers: 1, published: 3, oldestReadyAgeMs: 250 }));

      // ack: the second is claimed into the freed slot
      await sut.ack(NS, 'c1', [a]);
      await until(() => c.received.length === 2, 'the second is delivered');
      await settle();
      expect(await stats()).toEqual(fields({ inFlight: 1, delayed: 1, consumers: 1, published: 3, acked: 1 }));

      // nack with a delay: back to delayed
      await sut.nack(NS, 'c1', b, true, 100);
      await settle();
      expect(await stats()).toEqual(fields({ delayed: 2, consumers: 1, published: 3, acked: 1 }));

      // the delay passes: ready again, then claimed as a redelivery
      await passTime(100);
      await until(() => c.received.length === 3, 'the nacked message is delivered again');
      await settle();
      expect(await stats()).toEqual(fields({ inFlight: 1, delayed: 1, consumers: 1, published: 3, acked: 1, redelivered: 1 }));

      // ack timeout: released and claimed again at once by the same consumer
      await passTime(ACK_TIMEOUT_MS);
      await until(() => c.received.length === 4, 'the timed-out message is delivered again');
      await settle();
      expect(await stats()).toEqual(fields({ inFlight: 1, delayed: 1, consumers: 1, published: 3, acked: 1, redelivered: 2 }));

      // reject: dead-lettered
      await sut.nack(NS, 'c1', b, false, 0);
      await settle();
      expect(await stats()).toEqual(fields({ delayed: 1, deadLettered: 1, consumers: 1, published: 3, acked: 1, redelivered: 2 }));

      // consumer gone, then the delayed one comes due with nobody to take it
      await sut.consumerGone('c1');
      await passTime(5000);
      clock.advance(40);
      expect(await stats()).toEqual(fields({ ready: 1, deadLettered: 1, published: 3, acked: 1, redelivered: 2, oldestReadyAgeMs: 6390 }));

      // redrive: the dead letter is ready again; purge: both ready ones go
      expect(await sut.redrive(NS, Q)).toBe(1);
      expect(await stats()).toEqual(fields({ ready: 2, published: 3, acked: 1, redelivered: 2, oldestReadyAgeMs: 6390 }));
      expect(await sut.purge(NS, Q)).toBe(2);
      expect(await stats()).toEqual(fields({ published: 3, acked: 1, redelivered: 2 }));
    });
  });
});

describe(`${QueueService.name} on SQLite`, () => {
  let dataDir: string;
  let clock: FakeClock;
  const open: { moduleRef: TestingModule; store: SqliteMessageStore }[] = [];

  const start = async (): Promise<{ sut: QueueService; scheduler: RedeliveryScheduler; store: SqliteMessageStore; moduleRef: TestingModule }> => {
    const store = new SqliteMessageStore(dataDir);
    await store.open();
    const moduleRef = await buildEngine(store, clock);
    open.push({ moduleRef, store });
    return { sut: moduleRef.get(QueueService), scheduler: moduleRef.get(RedeliveryScheduler), store, moduleRef };
  };

  const stop = async (engine: { moduleRef: TestingModule; store: SqliteMessageStore }): Promise<void> => {
    const i = open.findIndex((e) => e.moduleRef === engine.moduleRef);
    if (i < 0) return;
    open.splice(i, 1);
    await engine.moduleRef.close();
    await engine.store.close();
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'courier-engine-'));
    clock = new FakeClock(T0);
  });

  afterEach(async () => {
    for (const engine of [...open]) await stop(engine);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers a message claimed but never acked again after a restart, with attempt 2', async () => {
    const first = await start();
    const { id } = await first.sut.publish(NS, Q, { payload: 'parcel' });
    const c = consumer('node-a/sock-1');
    await first.sut.subscribe(NS, Q, c);
    await until(() => c.received.length === 1, 'the message is delivered');
    await settle();
    await stop(first);

    const second = await start();
    expect(await second.sut.stats(NS, Q)).toMatchObject({ ready: 1, inFlight: 0 });
    const after = consumer('node-b/sock-1');
    await second.sut.subscribe(NS, Q, after);
    await until(() => after.received.length === 1, 'the message is delivered after the restart');

    expect(after.received[0]).toMatchObject({ id, attempt: 2, payload: '"parcel"' });
  });

  it('dead-letters, at restart, a message whose last attempt was in flight', async () => {
    const first = await start();
    const { id: last } = await first.sut.publish(NS, Q, { payload: 'last-attempt' });
    const c = consumer('node-a/sock-1');
    await first.sut.subscribe(NS, Q, c, 1);
    await until(() => c.received.length === 1, 'the message is delivered');
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      clock.advance(ACK_TIMEOUT_MS);
      await first.scheduler.sweepNow();
      await until(() => c.received.length === attempt, `delivery ${attempt}`);
    }
    await settle();
    await stop(first);

    const second = await start();

    expect(await second.sut.stats(NS, Q)).toMatchObject({ ready: 0, inFlight: 0, deadLettered: 1, redelivered: 2 });
    expect(await second.sut.deadLetters(NS, Q, 10)).toEqual([
      expect.objectContaining({ id: last, attempts: MAX_ATTEMPTS, reason: 'max-attempts' }),
    ]);
  });

  it('reports the age of the oldest ready message whatever its priority', async () => {
    const { sut } = await start();
    await sut.publish(NS, Q, { payload: 'old-high', priority: 7 });
    clock.advance(100);
    await sut.publish(NS, Q, { payload: 'low' });
    clock.advance(100);
    await sut.publish(NS, Q, { payload: 'new-top', priority: 9 });
    clock.advance(50);
    expect(await sut.stats(NS, Q)).toMatchObject({ ready: 3, oldestReadyAgeMs: 250 });

    const c = consumer('node-a/sock-1');
    await sut.subscribe(NS, Q, c, 2);
    await until(() => c.received.length === 2, 'the two highest are delivered');
    await settle();

    expect(payloads(c.received)).toEqual(['new-top', 'old-high']);
    expect(await sut.stats(NS, Q)).toMatchObject({ ready: 1, inFlight: 2, oldestReadyAgeMs: 150 });
    await sut.ack(NS, c.id, [c.received[0].id]);
    await until(() => c.received.length === 3, 'the last is delivered');
    await settle();
    expect(await sut.stats(NS, Q)).toMatchObject({ ready: 0, oldestReadyAgeMs: 0 });
  });

  it('rejects every publish of a burst when the store cannot write, and confirms none', async () => {
    const engine = await start();
    await engine.store.close();

    const results = await Promise.allSettled([engine.sut.publish(NS, Q, { payload: 1 }), engine.sut.publish(NS, Q, { payload: 2 })]);

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('never delivers an acked message again after a restart', async () => {
    const first = await start();
    const ids = (await first.sut.publishBatch(NS, Q, [{ payload: 1 }, { payload: 2 }])).map((r) => r.id);
    const c = consumer('node-a/sock-1');
    await first.sut.subscribe(NS, Q, c);
    await until(() => c.received.length === 2, 'both are delivered');
    await first.sut.ack(NS, c.id, [ids[0]]);
    await stop(first);

    const second = await start();
    const after = consumer('node-b/sock-1');
    await second.sut.subscribe(NS, Q, after);
    await until(() => after.received.length === 1, 'the unacked one is delivered');
    await settle();

    expect(after.received.map((d) => d.id)).toEqual([ids[1]]);
    expect(await second.sut.stats(NS, Q)).toMatchObject({ published: 2, acked: 1, inFlight: 1, redelivered: 1 });
  });
});
