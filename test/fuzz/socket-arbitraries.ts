import fc from 'fast-check';
import { depth, invalidName, nearValidMessage, nullOptions, poolQueue, poolRoom, prototypeFields, validMessage, withField, wrongValue } from './arbitraries.js';
import { LIMIT_BYTES } from './fuzz-service.js';
import { CAPS_EVENTS, COMMON_EVENTS, HELD_ID, RESERVED_EVENTS, SocketCase } from './socket-model.js';

/** Generators of socket events (contract §3), one per class of input. */

const roomRef = fc.oneof({ weight: 6, arbitrary: poolRoom }, { weight: 1, arbitrary: fc.constant('$alarms') }, { weight: 2, arbitrary: invalidName });
const queueRef = fc.oneof({ weight: 6, arbitrary: poolQueue }, { weight: 1, arbitrary: fc.constant('$alarms') }, { weight: 2, arbitrary: invalidName });
/** Message ids: mostly one this socket was delivered (`$held`), else ids nobody holds and ids of no possible shape. */
const idRef = fc.oneof({ weight: 4, arbitrary: fc.constant(HELD_ID) }, { weight: 2, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(257), 'no-such-message') });
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Fields an event may carry beside its own: ignored by acks and caps events, refused by publishes. */
const withExtras = <T extends object>(body: fc.Arbitrary<T>) =>
  fc.tuple(body, fc.option(fc.tuple(fc.string({ maxLength: 8 }), anyJson), { nil: undefined, freq: 4 })).map(([b, extra]) => (extra ? withField(b, extra[0], extra[1]) : b));

const roomBody = fc.oneof(
  roomRef,
  roomRef.map((room) => ({ room })),
  wrongValue.map((room) => ({ room })),
  fc.constant({}),
  fc.tuple(fc.constantFrom('store', 'storeName', 'clientId'), roomRef).map(([k, v]) => ({ [k]: v })),
  fc.tuple(roomRef, roomRef).map(([room, store]) => ({ room, store })),
);
const prefetch = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0, 1001, -1, 1.5, '10', null, true, 1e9));
const queueBody = fc.oneof(
  fc.record({ queue: queueRef, prefetch }, { requiredKeys: ['queue'] }),
  wrongValue.map((queue) => ({ queue })),
  fc.constant({}),
  queueRef,
);
const target = fc.oneof(queueRef.map((queue) => ({ queue })), roomRef.map((room) => ({ room })), fc.tuple(queueRef, roomRef).map(([queue, room]) => ({ queue, room })), fc.constant({}));

/** `publish` bodies built from `message`, to a fuzzed queue or room (or both, or neither). */
function publishBodies(message: fc.Arbitrary<Record<string, unknown>>) {
  return fc.tuple(target, message).map(([t, m]) => Object.entries(t).reduce((acc, [k, v]) => withField(acc, k, v), m));
}

/** `publishBatch` bodies with `message` among valid ones; sometimes too many, or an extra field. */
function batchBodies(message: fc.Arbitrary<Record<string, unknown>>) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ queue: queueRef, messages: fc.tuple(fc.array(validMessage, { maxLength: 3 }), message).map(([v, m]) => [...v, m]) }) },
    { weight: 1, arbitrary: fc.record({ queue: poolQueue, messages: fc.constantFrom([], Array.from({ length: 1001 }, () => ({ payload: 0 }))) }) },
    { weight: 1, arbitrary: fc.record({ queue: poolQueue, messages: fc.array(validMessage, { minLength: 1, maxLength: 2 }), extra: anyJson }) },
    { weight: 1, arbitrary: fc.record({ queue: poolQueue, messages: wrongValue }) },
  );
}

const ackBody = fc.oneof(
  withExtras(idRef.map((id) => ({ id }))),
  withExtras(fc.array(idRef, { maxLength: 4 }).map((ids) => ({ ids }))),
  withExtras(fc.tuple(fc.constantFrom('messageId', 'messageID'), idRef).map(([k, id]) => ({ [k]: id }))),
  fc.tuple(idRef, idRef).map(([id, other]) => ({ id, ids: [other] })),
  fc.constantFrom({}, { ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`) }, { id: null }, { ids: null }, { ids: [1, 2] }),
  wrongValue.map((id) => ({ id })),
  idRef,
);
const nackBody = withExtras(
  fc.record(
    { id: fc.oneof({ weight: 4, arbitrary: idRef }, { weight: 1, arbitrary: wrongValue }), requeue: fc.oneof(fc.boolean(), wrongValue, fc.constant(null)), delayMs: fc.oneof(fc.integer({ min: 0, max: 10_000 }), wrongValue, fc.constant(null)) },
    { requiredKeys: [] },
  ),
);
const getAllBody = fc.oneof(
  fc.constant({}),
  fc.record({ event: fc.oneof(fc.constantFrom('pickup', 'in-transit', 'delivered', 'message'), fc.string({ maxLength: 6 }), wrongValue, fc.constant(null)) }),
  anyJson,
);

/** CAPS orders in the shapes lab clients send (contract §3, lab compatibility), and broken ones. */
const order = fc.record({ orderId: fc.uuid(), customer: fc.string({ maxLength: 12 }), address: fc.string({ maxLength: 20 }) });
const capsBody = fc.oneof(
  fc.tuple(order, fc.constantFrom('store', 'storeName', 'storeId'), roomRef).map(([o, k, store]) => withField(o, k, store)),
  fc.tuple(order, roomRef).map(([o, store]) => ({ event: 'pickup', clientId: store, order: o })),
  fc.tuple(order, roomRef, idRef).map(([o, store, id]) => ({ event: 'pickup', messageId: id, clientId: store, order: { ...o, store } })),
  fc.tuple(order, fc.oneof(wrongValue, fc.constant(null))).map(([o, store]) => ({ ...o, store })),
  order,
  anyJson,
);

/** The events a namespace answers, and names it does not know. */
const unknownEvent = fc.oneof(
  fc.constantFrom('message', 'JOIN', 'publish ', 'touch', 'progress', 'ack\u0000', 'constructor', '__proto__', 'toString', 'hasOwnProperty'),
  fc.string({ minLength: 1, maxLength: 12 }).filter((e) => !RESERVED_EVENTS.includes(e) && !(COMMON_EVENTS as readonly string[]).includes(e) && !(CAPS_EVENTS as readonly string[]).includes(e)),
);

/** The payload of each event: near-valid shapes of its own, and any JSON value at all. */
const bodyFor: Record<string, fc.Arbitrary<unknown>> = {
  join: roomBody,
  joinRoom: roomBody,
  leave: roomBody,
  subscribe: queueBody,
  unsubscribe: queueBody,
  publish: publishBodies(nearValidMessage),
  publishBatch: batchBodies(nearValidMessage),
  ack: ackBody,
  received: ackBody,
  nack: nackBody,
  getAll: getAllBody,
  pickup: capsBody,
  'in-transit': capsBody,
  delivered: capsBody,
};

/** Arguments for a body: usually just it, sometimes none, or one or two more (wrong arity). */
function argsFor(body: fc.Arbitrary<unknown>): fc.Arbitrary<unknown[]> {
  return fc.oneof(
    { weight: 12, arbitrary: body.map((b) => [b]) },
    { weight: 1, arbitrary: fc.constant<unknown[]>([]) },
    { weight: 1, arbitrary: fc.tuple(body, anyJson).map(([b, extra]) => [b, extra]) },
    { weight: 1, arbitrary: fc.tuple(body, anyJson, anyJson).map(([b, x, y]) => [b, x, y]) },
  );
}

type Target = { ns: 'caps' | 'events'; event: string };

const namespaceAndEvent: fc.Arbitrary<Target> = fc.oneof(
  fc.record({ ns: fc.constant('events' as const), event: fc.constantFrom<string>(...COMMON_EVENTS) }),
  fc.record({ ns: fc.constant('caps' as const), event: fc.constantFrom<string>(...COMMON_EVENTS, ...CAPS_EVENTS) }),
);

function socketCase(args: (ns: 'caps' | 'events', event: string) => fc.Arbitrary<unknown[]>, events: fc.Arbitrary<Target> = namespaceAndEvent): fc.Arbitrary<SocketCase> {
  return events.chain(({ ns, event }) =>
    fc.record({
      ns: fc.constant(ns),
      who: fc.constantFrom(0 as const, 1 as const),
      event: fc.constant(event),
      args: args(ns, event),
      ack: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    }),
  );
}

/** Every event of both namespaces, with near-valid payloads of its own and any JSON value; and unknown events. */
export const everyEvent = fc.oneof(
  { weight: 8, arbitrary: socketCase((_ns, event) => argsFor(fc.oneof({ weight: 4, arbitrary: bodyFor[event] }, { weight: 1, arbitrary: anyJson }))) },
  { weight: 1, arbitrary: socketCase(() => argsFor(anyJson), fc.record({ ns: fc.constantFrom('caps' as const, 'events' as const), event: unknownEvent })) },
);

const publishEvents = fc.record({ ns: fc.constantFrom('caps' as const, 'events' as const), event: fc.constantFrom('publish', 'publishBatch') });

function publishCase(message: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<SocketCase> {
  return socketCase((_ns, event) => (event === 'publish' ? publishBodies(message) : batchBodies(message)).map((b) => [b]), publishEvents);
}

/** publish and publishBatch with optional fields null. */
export const nullPublishEvents = publishCase(nullOptions);

/** publish and publishBatch with fields named like Object.prototype members. */
export const prototypePublishEvents = publishCase(prototypeFields);

/** Depths for socket events: the client's encoder walks them recursively, so not as far as over REST. */
const socketDepth = depth.filter((d) => d <= 1_000);

/** Events nested around and past 64 levels, near and over MAX_PAYLOAD_BYTES, and with binary attachments. */
export const heavyEvents = fc.oneof(
  publishCase(socketDepth.map((d) => ({ payload: { $deep: d } }))),
  socketCase(() => socketDepth.map((d) => [{ queue: 'fz-q1', $: { $deep: d } }])),
  publishCase(fc.integer({ min: LIMIT_BYTES - 200, max: Math.floor(LIMIT_BYTES * 1.9) }).map((n) => ({ payload: { $text: n } }))),
  socketCase(() =>
    fc.oneof<fc.Arbitrary<unknown[]>[]>(
      fc.constant([{ $binary: 3 }]),
      fc.tuple(poolQueue, fc.integer({ min: 1, max: 64 })).map(([queue, n]) => [{ queue, payload: { $binary: n } }]),
      fc.tuple(poolRoom, fc.integer({ min: 1, max: 64 })).map(([room, n]) => [{ room, payload: [1, { $binary: n }] }]),
      fc.tuple(poolRoom).map(([room]) => [room, { $binary: 1 }]),
    ),
  ),
);

/** Every event that names a queue, room or store, naming `.` or `..`. */
export const dotEvents: fc.Arbitrary<SocketCase> = socketCase(
  (ns, event) => {
    const dots = fc.constantFrom('.', '..');
    if (event === 'join' || event === 'joinRoom' || event === 'leave') return dots.chain((d) => fc.constantFrom([d], [{ room: d }], [{ store: d }]));
    if (event === 'subscribe' || event === 'unsubscribe') return dots.map((queue) => [{ queue }]);
    if (event === 'publish') return fc.tuple(dots, fc.boolean()).map(([d, toRoom]) => [toRoom ? { room: d, payload: 1 } : { queue: d, payload: 1 }]);
    if (event === 'publishBatch') return dots.map((queue) => [{ queue, messages: [{ payload: 1 }] }]);
    return dots.map((store) => [{ store, orderId: 'o-1' }]);
  },
  fc.oneof(
    fc.record({ ns: fc.constant('events' as const), event: fc.constantFrom('join', 'joinRoom', 'leave', 'subscribe', 'unsubscribe', 'publish', 'publishBatch') }),
    fc.record({ ns: fc.constant('caps' as const), event: fc.constantFrom('join', 'subscribe', 'publish', ...CAPS_EVENTS) }),
  ),
);

/**
 * A durable client that joins a fuzzed room, is sent a few messages there, then asks `getAll` for an
 * event none of them carries, a few times: each step is a case of its own, checked in turn.
 */
export const filteredGetAllScenarios: fc.Arbitrary<SocketCase[]> = fc
  .record({
    ns: fc.constantFrom('caps' as const, 'events' as const),
    room: poolRoom,
    messages: fc.array(validMessage, { minLength: 1, maxLength: 3 }),
    events: fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('message', 'pickup-not', 'x')), { minLength: 1, maxLength: 4 }),
  })
  .map(({ ns, room, messages, events }) => {
    const step = (event: string, body: unknown): SocketCase => ({ ns, who: 1, event, args: [body], ack: true });
    return [
      step('join', { room }),
      ...messages.map((m) => step('publish', withField(m, 'room', room))),
      ...events.map((event) => step('getAll', { event })),
    ];
  });
