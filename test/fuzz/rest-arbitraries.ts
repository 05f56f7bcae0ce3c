import fc from 'fast-check';
import {
  bodySize,
  depth,
  encodedDots,
  invalidName,
  nearValidMessage,
  nullOptions,
  poolQueue,
  poolRoom,
  prototypeFields,
  validMessage,
  validName,
} from './arbitraries.js';
import type { BodySpec, RestCase, RestRoute } from './rest-model.js';

/** Generators of REST requests (contract §4), one per class of input. */

const namespace = fc.constantFrom('events', 'caps');

/** A publish to a fuzzed queue or room of either namespace, with `body`. */
function publishWith(body: fc.Arbitrary<BodySpec>, routes: RestRoute[] = ['publishQueue', 'publishRoom']): fc.Arbitrary<RestCase> {
  return fc.record({ route: fc.constantFrom(...routes), ns: namespace, body }).chain((c) =>
    (c.route === 'publishQueue' ? poolQueue : poolRoom).map((name) => ({ ...c, name: encodeURIComponent(name) })),
  );
}

/** A single message or (on a queue) a batch of them, one of which comes from `message`. */
function messageBody(message: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<BodySpec> {
  return fc.oneof(
    { weight: 3, arbitrary: message.map((m) => ({ json: m })) },
    { weight: 1, arbitrary: fc.tuple(fc.array(validMessage, { maxLength: 3 }), message).map(([valid, odd]) => ({ json: { messages: [...valid, odd] } })) },
  );
}

/** Valid messages and messages with one thing wrong (types, ranges, lengths, unknown fields). */
export const nearValidPublishes = publishWith(messageBody(nearValidMessage));

/** Optional fields given as null. */
export const nullPublishes = publishWith(messageBody(nullOptions));

/** Fields named like Object.prototype members, beside the options or inside the payload or headers. */
export const prototypePublishes = publishWith(messageBody(prototypeFields));

/** Bodies nested around and far past 64 levels, in the payload, the headers, a batch, an unknown field or the whole body. */
export const deepPublishes = publishWith(
  fc.record({ deep: depth, container: fc.constantFrom('object' as const, 'array' as const), at: fc.constantFrom('payload' as const, 'headers' as const, 'body' as const, 'batch' as const, 'unknown' as const) }),
);

/** Bodies around MAX_PAYLOAD_BYTES, single or batched. */
export const sizedPublishes = publishWith(fc.record({ sized: bodySize, count: fc.constantFrom(1, 1, 2, 30) }));

/** JSON text that is broken, or valid JSON that is not a message: any value, truncations, odd literals. */
export const rawPublishes = publishWith(
  fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ json: v })),
    fc.string({ unit: 'binary', maxLength: 40 }).map((t) => ({ text: t })),
    fc
      .tuple(validMessage, fc.nat())
      .map(([m, cut]) => {
        const t = JSON.stringify(m);
        return { text: t.slice(0, cut % (t.length + 1)) };
      }),
    fc.constantFrom(
      '{"payload":1,}',
      '{payload:1}',
      "{'payload':1}",
      '{"payload":1}garbage',
      '{"payload":1}{"payload":2}',
      '{"payload":NaN}',
      '{"payload":Infinity}',
      '{"payload":1e400}',
      '{"payload":-0}',
      '{"payload":1,"payload":2}',
      '\uFEFF{"payload":1}',
      '{"payload":"\\ud800"}',
      '{"payload":"\\u0000"}',
      ' {"payload":1} ',
      '',
      'null',
      '[]',
      '{"messages":null}',
      '{"messages":{}}',
      '{"messages":[]}',
      '{"messages":[null]}',
      '{"payload":12345678901234567890123456789}',
    ).map((t) => ({ text: t })),
  ),
);

/** Header values as a client may send them: printable ASCII, tabs and spaces, Latin-1, empty, long. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }),
  fc.constantFrom('', ' ', '\t', ' padded ', 'k'.repeat(250), 'k'.repeat(256), 'k'.repeat(257), 'k'.repeat(2000), 'key#1', 'Bearer', 'Bearer ', 'Basic Zm9vOmJhcg=='),
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/html',
      'application/xml',
      'application/octet-stream',
      'application/jsonp',
      'application/vnd.api+json',
      'application/merge-patch+json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/json',
      'application/json ; charset=utf-8',
      '',
      'json',
      '*/*',
      'application/',
      ';',
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** A valid publish with odd headers: Content-Type variants, Idempotency-Key, Authorization and x-api-key values. */
export const headerPublishes: fc.Arbitrary<RestCase> = fc
  .record({
    base: publishWith(messageBody(validMessage)),
    contentType: fc.option(contentType, { nil: undefined }),
    idempotencyKey: fc.option(headerValue, { nil: undefined }),
    authorization: fc.option(headerValue, { nil: undefined }),
    apiKey: fc.option(headerValue, { nil: undefined }),
  })
  .map(({ base, contentType: type, idempotencyKey, authorization, apiKey }) => {
    const headers: Record<string, string> = {};
    if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
    if (authorization !== undefined) headers.Authorization = authorization;
    if (apiKey !== undefined) headers['x-api-key'] = apiKey;
    return { ...base, ...(type === undefined ? {} : { contentType: type }), headers };
  });

const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('limit', 'limit', 'limit[a]', 'limit[]', 'limit[0]', 'LIMIT', 'limit.x', '__proto__', 'constructor', 'li%6Dit', 'limit%5Ba%5D', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map(encodeURIComponent) },
);
const queryValue = fc.oneof(
  fc.integer({ min: -5, max: 1_100 }).map(String),
  fc.constantFrom('', 'abc', '1.5', '1e2', '+5', '%205', '0x10', '%00', '05', '0001', '1000', '1001', '0', '%EF%BC%91', '%zz', '1%2C2', 'null', 'undefined', '[]'),
  fc.string({ maxLength: 6 }).map(encodeURIComponent),
);
const queryPair = fc.oneof(
  fc.tuple(queryKey, queryValue).map(([k, v]) => `${k}=${v}`),
  queryKey,
  fc.constantFrom('=', '&', '%', 'a=b=c', '=5'),
);
export const queryString = fc.array(queryPair, { minLength: 1, maxLength: 3 }).map((pairs) => pairs.join('&'));

/** The list routes with any query string. */
export const queryRequests: fc.Arbitrary<RestCase> = fc
  .record({
    route: fc.constantFrom<RestRoute>('queueDeadLetters', 'roomDeadLetters', 'queueDeadLetters', 'roomDeadLetters', 'listQueues', 'listRooms', 'listNamespaces'),
    ns: namespace,
    query: queryString,
  })
  .chain((c) => (c.route === 'roomDeadLetters' ? poolRoom : poolQueue).map((name) => ({ ...c, name: encodeURIComponent(name) })));

/** A name as a path segment: percent-encoded (each character, or only what must be), or not at all. */
const nameSegment = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(poolQueue, poolRoom).map(encodeURIComponent) },
  { weight: 2, arbitrary: validName.map(encodeURIComponent) },
  { weight: 1, arbitrary: validName.map((n) => [...n].map((ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('')) },
  { weight: 4, arbitrary: invalidName.map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constantFrom('%zz', '%', '%2F', 'a%2Fb', '%00', '%24alarms', '%C3%A9', '%E2%80%8B', '%F0%9F%93%A6', `${'q'.repeat(128)}`, `${'q'.repeat(129)}`) },
);
const namespaceSegment = fc.oneof({ weight: 8, arbitrary: namespace }, { weight: 1, arbitrary: fc.constantFrom('nope', 'Events', '%65vents', 'caps%2F', '%zz', '$admin', 'events.') });

const everyRoute: RestRoute[] = ['publishQueue', 'publishRoom', 'queueStats', 'queueDeadLetters', 'queueRedrive', 'purge', 'roomDeadLetters', 'roomRedrive'];

/** Every route with a name in its path, valid or not, and a valid body where it takes one. */
export const nameRequests: fc.Arbitrary<RestCase> = fc
  .record({ route: fc.constantFrom(...everyRoute), ns: namespaceSegment, name: nameSegment, message: validMessage })
  // `GET …/queues/` with no name is the queue list (Express ignores a trailing slash), not a stats request.
  .filter((c) => !(c.route === 'queueStats' && c.name === ''))
  .map(({ message, ...c }) => (c.route === 'publishQueue' || c.route === 'publishRoom' ? { ...c, body: { json: message } } : c));

/** Every route with `.` or `..` as the name, percent-encoded or literal. */
export const dotRequests: fc.Arbitrary<RestCase> = fc
  .record({ route: fc.constantFrom(...everyRoute), ns: namespace, name: fc.oneof(encodedDots, fc.constantFrom('.', '..')), message: validMessage })
  .map(({ message, ...c }) => (c.route === 'publishQueue' || c.route === 'publishRoom' ? { ...c, body: { json: message } } : c));
