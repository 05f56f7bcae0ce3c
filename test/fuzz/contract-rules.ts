import { hasOwn, isPlainObject, Judgement, Refusal } from './judgement.js';

/**
 * The contract's rules for messages and names (§2, §3 publishing options, §4), with the limits the
 * project's docs write down where the contract is silent (docs/rest.md: `key` 1–256 characters, delays
 * and TTLs up to 30 days). Written from those documents, not from src/, so that a fuzzed request is
 * judged by what users were promised.
 */
export const MESSAGE_FIELDS = ['payload', 'key', 'delayMs', 'priority', 'ttlMs', 'headers'] as const;
/** Publishing options of contract §5 (tracking, groups, replies): accepted once that section is built. */
export const LATER_FIELDS = ['track', 'receipts', 'group', 'replyTo'] as const;
export const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_KEY_LENGTH = 256;
export const MAX_BATCH = 1000;
export const MAX_LEVELS = 64;
export const NAME_RE = /^[A-Za-z0-9._:-]{1,128}$/;
export const ALARMS_ROOM = '$alarms';
export const NAMESPACES = ['caps', 'events'] as const;

/** A queue or room name by contract §2: the pattern, but never `.` or `..`. */
export function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME_RE.test(value) && value !== '.' && value !== '..';
}

export function judgeName(j: Judgement, kind: 'queue' | 'room', value: unknown, where: string, bad: Refusal, allowAlarms = false): void {
  if (value === undefined) j.refuse(`${where} is missing`, bad);
  else if (typeof value !== 'string') j.refuse(`${where} is not a string`, bad);
  else if (allowAlarms && value === ALARMS_ROOM) return;
  else if (!isName(value)) j.refuse(`${where} ${JSON.stringify((value as string).slice(0, 40))} is not a ${kind} name`, bad);
}

/**
 * Levels of nesting, without recursion: a container is one level more than the one holding it and a
 * scalar adds none, so `1` is 0 levels, `{}` 1, `{"a":[1]}` 2.
 */
export function levelsOf(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [value, level] = stack.pop()!;
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    if (level > deepest) deepest = level;
    for (const child of Object.values(value)) if (child !== null && typeof child === 'object') stack.push([child, level + 1]);
  }
  return deepest;
}

/** True if a non-finite number (from JSON text like `1e400`) sits anywhere in `root`. */
function holdsNonFinite(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === 'number' && !Number.isFinite(value)) return true;
    if (value !== null && typeof value === 'object') stack.push(...Object.values(value));
  }
  return false;
}

/**
 * Nesting rule (§4: a payload or headers nested deeper than 64 levels is refused, "as on sockets").
 * `eventLevels` counts the whole request as the socket side does (the argument list is level 1); the
 * contract counts the payload. Past 64 by both counts: refused; past 64 by one only: the readings differ.
 */
export function judgeNesting(j: Judgement, payloadLevels: number, eventLevels: number, bad: Refusal): void {
  if (payloadLevels > MAX_LEVELS) j.refuse(`a payload or headers ${payloadLevels} levels deep`, bad);
  else if (eventLevels > MAX_LEVELS) j.open(`the request is ${eventLevels} levels deep as sockets count, its payload ${payloadLevels}`, bad);
}

function judgeInteger(j: Judgement, message: Record<string, unknown>, field: string, min: number, max: number, where: string, bad: Refusal): void {
  if (!hasOwn(message, field)) return;
  const value = message[field];
  if (value === null) j.refuse(`${where}.${field} is null (null is not "not given")`, bad);
  else if (typeof value !== 'number' || !Number.isInteger(value)) j.refuse(`${where}.${field} is not an integer`, bad);
  else if (value < min || value > max) j.refuse(`${where}.${field} ${value} is outside ${min}–${max}`, bad);
}

/**
 * One message `{ payload, key?, delayMs?, priority?, ttlMs?, headers? }`, plus `extra` fields the event
 * itself defines (`queue`, `room` on a socket publish). Unknown fields are refused whatever their name,
 * `__proto__` and `constructor` included. Returns the payload's and headers' depth for the nesting rule.
 */
export function judgeMessage(j: Judgement, message: unknown, where: string, bad: Refusal, extra: readonly string[] = []): number {
  if (!isPlainObject(message)) {
    j.refuse(`${where} is not an object`, bad);
    return 0;
  }
  for (const key of Object.keys(message)) {
    if ((MESSAGE_FIELDS as readonly string[]).includes(key) || extra.includes(key)) continue;
    if ((LATER_FIELDS as readonly string[]).includes(key)) j.open(`${where}.${key} is a §5 option`, bad);
    else j.refuse(`${where} has the unknown field ${JSON.stringify(key)}`, bad);
  }
  let levels = 0;
  if (!hasOwn(message, 'payload')) j.refuse(`${where}.payload is missing`, bad);
  else {
    levels = levelsOf(message.payload);
    // JSON.stringify writes Infinity as null: "delivered exactly as sent" and refusing are both fair.
    if (holdsNonFinite(message.payload)) j.open(`${where}.payload holds a number JSON cannot carry`, bad);
  }
  judgeInteger(j, message, 'delayMs', 0, MAX_DELAY_MS, where, bad);
  judgeInteger(j, message, 'priority', 0, 9, where, bad);
  judgeInteger(j, message, 'ttlMs', 1, MAX_DELAY_MS, where, bad);
  if (hasOwn(message, 'key')) {
    const key = message.key;
    if (key === null) j.refuse(`${where}.key is null`, bad);
    else if (typeof key !== 'string') j.refuse(`${where}.key is not a string`, bad);
    else if (key.length < 1 || key.length > MAX_KEY_LENGTH) j.refuse(`${where}.key is ${key.length} characters`, bad);
  }
  if (hasOwn(message, 'headers')) {
    const headers = message.headers;
    levels = Math.max(levels, levelsOf(headers));
    if (headers === null) j.refuse(`${where}.headers is null`, bad);
    else if (!isPlainObject(headers)) j.refuse(`${where}.headers is not an object`, bad);
    else if (!Object.values(headers).every((v) => typeof v === 'string')) j.refuse(`${where}.headers has a value that is not a string`, bad);
  }
  return levels;
}

/**
 * A batch's list (REST `{ messages }`, socket `publishBatch`): 1 to 1000 messages, each judged alone.
 * Returns the deepest payload.
 */
export function judgeMessages(j: Judgement, messages: unknown, where: string, bad: Refusal): number {
  if (!Array.isArray(messages)) {
    j.refuse(`${where} is not a list`, bad);
    return 0;
  }
  if (messages.length < 1 || messages.length > MAX_BATCH) j.refuse(`${where} has ${messages.length} messages`, bad);
  let levels = 0;
  messages.forEach((m, i) => (levels = Math.max(levels, judgeMessage(j, m, `${where}.${i}`, bad))));
  return levels;
}

/** The order a CAPS event carries (contract §3, lab compatibility): `payload.order` if it is an object, else the payload. */
export function capsOrderOf(payload: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(payload.order) ? payload.order : payload;
}

/**
 * A CAPS event's payload: an object whose order names its store (`store`, else `storeName`, else
 * `storeId`, else the payload's `clientId`), a valid room name. Fields it does not know are ignored.
 */
export function judgeCapsOrder(j: Judgement, payload: unknown, bad: Refusal): void {
  if (!isPlainObject(payload)) {
    j.refuse('a CAPS event payload that is not an object', bad);
    return;
  }
  // A payload that echoes a delivery takes that delivery's store, which is not knowable from here: what
  // the order itself says of its store then decides nothing.
  const echoes = ['id', 'messageId', 'messageID'].some((k) => hasOwn(payload, k));
  if (echoes) j.open('the payload names a delivery, whose store it takes if this socket was sent it', bad);
  const rule = (reason: string) => (echoes ? j.open(reason, bad) : j.refuse(reason, bad));
  const order = capsOrderOf(payload);
  const candidates = [order.store, order.storeName, order.storeId, payload.clientId];
  const first = candidates.find((c) => c !== undefined);
  if (first === undefined) rule('no store in the order');
  else if (typeof first !== 'string' || first === '') j.open(`a store given as ${JSON.stringify(first)?.slice(0, 30)}`, bad);
  else if (!isName(first)) rule(`the store ${JSON.stringify((first as string).slice(0, 40))} is not a room name`);
}
