import fc from 'fast-check';
import { isName, LATER_FIELDS, MAX_DELAY_MS, MESSAGE_FIELDS } from './contract-rules.js';
import { LIMIT_BYTES, POOL_QUEUES, POOL_ROOMS } from './fuzz-service.js';

/**
 * Generators shared by the REST and socket fuzz: names, messages (valid, and valid but for one thing),
 * and bad values of every type. Each class of bad input is its own generator, so that each can be its
 * own property and one open defect does not hide another behind the same counterexample.
 */

/** Names that live on Object.prototype (or set it). */
export const PROTOTYPE_NAMES = ['constructor', '__proto__', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'];
export const OPTION_FIELDS = ['key', 'delayMs', 'priority', 'ttlMs', 'headers'] as const;

/** `{ ...object, [key]: value }` as an own field even for `__proto__` (a literal or spread would set the prototype). */
export function withField<T extends object>(object: T, key: string, value: unknown): T {
  const out = { ...object };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

export const poolQueue = fc.constantFrom(...POOL_QUEUES);
export const poolRoom = fc.constantFrom(...POOL_ROOMS);

/** Valid names outside the pool: each creates a queue when published to, so they are drawn rarely. */
export const validName = fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/).filter(isName);

/** Names the contract refuses, other than `.` and `..` (which have a property of their own). */
export const invalidName = fc.oneof(
  fc.constantFrom('', 'a b', 'a/b', 'fz-q1 ', ' fz-q1', '$alarms', 'x'.repeat(129), 'é', 'fz#1', 'fz?1', 'fz%1', 'a\\b', '\u0000', 'q\n'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((s) => !isName(s) && s !== '.' && s !== '..'),
);

/** Keys of payloads and headers: printable ASCII, sometimes any unicode. */
const text = (maxLength: number) => fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength }) }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength }) });

export const payload = fc.jsonValue({ maxDepth: 3 });

/** Options the contract accepts. TTLs of an hour or more, so that nothing expires during a run. */
export const validOptions = fc.record(
  {
    key: text(40).filter((k) => k.length >= 1),
    delayMs: fc.constantFrom(0, 0, 0, 5),
    priority: fc.integer({ min: 0, max: 9 }),
    ttlMs: fc.integer({ min: 3_600_000, max: MAX_DELAY_MS }),
    headers: fc.dictionary(text(10), text(20), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

export const validMessage = fc.tuple(payload, validOptions).map(([p, options]) => ({ payload: p, ...options }) as Record<string, unknown>);

/** Values of the wrong type or range for some option: strings, booleans, lists, objects, fractions, huge and negative numbers. */
export const wrongValue = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -10, max: -1 }),
  fc.constantFrom(1.5, -0.5, 10, 1e21, 2 ** 53, 1e308, -1e308, MAX_DELAY_MS + 1, Number.MAX_SAFE_INTEGER, '5', '', 'null', 'true', 0, 9),
);

/** A message with one option given a wrong value (which may, by chance, still be valid: the model decides). */
const mistypedOption = fc.tuple(validMessage, fc.constantFrom(...OPTION_FIELDS), wrongValue).map(([m, field, value]) => withField(m, field, value));
const badKeyLength = fc.tuple(validMessage, fc.constantFrom(0, 1, 256, 257, 1000)).map(([m, n]) => withField(m, 'key', 'k'.repeat(n)));
const badHeaderValue = fc.tuple(validMessage, text(8), wrongValue).map(([m, name, value]) => withField(m, 'headers', withField({ ok: 'yes' }, name, value)));
const missingPayload = validMessage.map(({ payload: _payload, ...rest }) => rest);
const unknownFieldName = text(12).filter((k) => ![...MESSAGE_FIELDS, ...LATER_FIELDS, ...PROTOTYPE_NAMES].includes(k));
const unknownField = fc.tuple(validMessage, unknownFieldName, fc.jsonValue({ maxDepth: 1 })).map(([m, k, v]) => withField(m, k, v));

/** Valid messages, and messages with one thing wrong: a mistyped option, a bad key length, a missing payload, an unknown field. */
export const nearValidMessage = fc.oneof(
  { weight: 3, arbitrary: validMessage },
  { weight: 3, arbitrary: mistypedOption },
  { weight: 1, arbitrary: badKeyLength },
  { weight: 1, arbitrary: badHeaderValue },
  { weight: 1, arbitrary: missingPayload },
  { weight: 2, arbitrary: unknownField },
);

/** A valid message with one optional field null, or several (contract §3: null is not "not given"). */
export const nullOptions = fc
  .tuple(validMessage, fc.oneof(fc.constantFrom(...OPTION_FIELDS).map((f) => [f]), fc.subarray([...OPTION_FIELDS], { minLength: 1 })))
  .map(([m, fields]) => fields.reduce((acc, field) => withField(acc, field, null), m));

/**
 * A message with fields named like Object.prototype members: beside the options (an unknown field to
 * refuse), or inside the payload or headers (where any name is the producer's and must arrive as sent).
 */
export const prototypeFields = fc
  .tuple(validMessage, fc.subarray(PROTOTYPE_NAMES, { minLength: 1, maxLength: 3 }), fc.constantFrom('message', 'payload', 'headers'), fc.jsonValue({ maxDepth: 1 }))
  .map(([m, names, where, value]) => {
    if (where === 'message') return names.reduce((acc, name) => withField(acc, name, value), m);
    if (where === 'payload') return withField(m, 'payload', names.reduce((acc, name) => withField(acc, name, value), { order: 1 }));
    return withField(m, 'headers', names.reduce((acc, name) => withField(acc, name, String(value)), { source: 'fuzz' }));
  });

/** Depths around the 64-level rule, and far past it. */
export const depth = fc.oneof(fc.integer({ min: 58, max: 70 }), fc.constantFrom(100, 1_000, 5_000, 50_000));

/** Body sizes around MAX_PAYLOAD_BYTES, and far past it. */
export const bodySize = fc.oneof(fc.integer({ min: LIMIT_BYTES - 100, max: LIMIT_BYTES + 100 }), fc.constantFrom(100, LIMIT_BYTES * 2, LIMIT_BYTES * 10));

/** The one spelling of `.`/`..` that no client rewrites: percent-encoded dots, alone or beside a literal dot. */
export const encodedDots = fc.constantFrom('%2E', '%2e', '%2E%2E', '%2e%2e', '.%2E', '%2E.', '%2e.');
