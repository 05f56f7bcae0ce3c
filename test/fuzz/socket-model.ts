import {
  capsOrderOf,
  judgeCapsOrder,
  judgeMessage,
  judgeMessages,
  judgeName,
  judgeNesting,
  levelsOf,
  MAX_DELAY_MS,
  MAX_LEVELS,
} from './contract-rules.js';
import { hasOwn, isPlainObject, Judgement } from './judgement.js';

/** Error codes a socket may answer with (contract §3). */
export const ERROR_CODES = ['VALIDATION', 'NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE', 'QUEUE_FULL', 'UNAVAILABLE', 'INTERNAL'];
/** Events every namespace answers (§3), and those only `caps` adds. */
export const COMMON_EVENTS = ['join', 'leave', 'subscribe', 'unsubscribe', 'publish', 'publishBatch', 'ack', 'nack', 'getAll', 'received', 'joinRoom'] as const;
export const CAPS_EVENTS = ['pickup', 'in-transit', 'delivered'] as const;
/** Events of contract §5 (leases, progress): known once that section is built. */
const LATER_EVENTS = ['touch', 'progress'];
/** Names socket.io-client refuses to emit. */
export const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

/**
 * Marks in a case's arguments, replaced when it is sent, so that a counterexample prints them instead
 * of their bulk: `$held` (the id of a delivery), `{ $binary: n }`, `{ $deep: n }`, `{ $text: n }`.
 */
export const HELD_ID = '$held';

export interface SocketCase {
  ns: 'caps' | 'events';
  /** 0: a socket without a client id, 1: one with a client id. */
  who: 0 | 1;
  event: string;
  args: unknown[];
  /** Whether the event is sent with an acknowledgement callback. */
  ack: boolean;
}

/** The arguments as sent: `{ $binary: n }` becomes n bytes, `{ $deep: n }` an object n levels deep, `{ $text: n }` n characters, `$held` the id of a delivery. */
export function renderArgs(args: unknown[], heldId: string): unknown[] {
  const render = (value: unknown): unknown => {
    if (value === HELD_ID) return heldId;
    if (Array.isArray(value)) return value.map(render);
    if (!isPlainObject(value)) return value;
    if (typeof value.$binary === 'number' && Object.keys(value).length === 1) return Buffer.alloc(value.$binary, 7);
    if (typeof value.$text === 'number' && Object.keys(value).length === 1) return 'x'.repeat(value.$text);
    if (typeof value.$deep === 'number' && Object.keys(value).length === 1) {
      let nested: unknown = 'leaf';
      for (let i = 0; i < value.$deep; i++) nested = { a: nested };
      return nested;
    }
    // defineProperty keeps `__proto__` an own field, as the server's JSON.parse will make it.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: render(v), enumerable: true, writable: true, configurable: true });
    return out;
  };
  return args.map(render);
}

function holdsBinary(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const value = stack.pop();
    if (Buffer.isBuffer(value)) return true;
    if (value !== null && typeof value === 'object') stack.push(...Object.values(value));
  }
  return false;
}

export interface SocketContext {
  /** Ids this socket has been sent (it may hold them still, or have settled them). */
  delivered: ReadonlySet<string>;
  /** Those of them that were room copies. */
  roomCopies: ReadonlySet<string>;
  /** Whether the socket has no client id. */
  anonymous: boolean;
  limitBytes: number;
}

/** Bytes of slack around MAX_PAYLOAD_BYTES: how a whole event is measured (frame, JSON of the arguments) is the service's call. */
const SIZE_SLACK = 64;

function judgeId(j: Judgement, value: unknown, where: string, ctx: SocketContext): void {
  if (value === null) j.refuse(`${where} is null`, 'VALIDATION');
  else if (typeof value !== 'string') j.refuse(`${where} is not a string`, 'VALIDATION');
  else if (value === '' || value.length > 256) j.refuse(`${where} is ${value.length} characters: no message has that id`, 'VALIDATION', 'NOT_FOUND');
  else if (ctx.delivered.has(value)) j.open(`${where} was delivered to this socket (it may be settled by now)`, 'NOT_FOUND');
  else j.refuse(`${where} is not held by this socket`, 'NOT_FOUND');
}

function judgeOptionalInt(j: Judgement, body: Record<string, unknown>, field: string, min: number, max: number): void {
  if (!hasOwn(body, field)) return;
  const value = body[field];
  if (value === null) j.refuse(`${field} is null (null is not "not given")`, 'VALIDATION');
  else if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) j.refuse(`${field} is not an integer ${min}–${max}`, 'VALIDATION');
}

/** Keys of `body` beyond `known`: the contract names no rule for them on this event. */
function openExtraKeys(j: Judgement, body: Record<string, unknown>, known: string[], event: string): void {
  const extra = Object.keys(body).filter((k) => !known.includes(k));
  if (extra.length) j.open(`${event} with the fields ${extra.join(', ').slice(0, 60)} the contract says nothing of`, 'VALIDATION');
}

/** join / joinRoom / leave: `{ room }`, a bare name where the contract allows one, and caps' aliases on join. */
function judgeRoomEvent(j: Judgement, ns: string, event: string, body: unknown): void {
  const bareAllowed = event === 'joinRoom' || (ns === 'caps' && event === 'join');
  if (typeof body === 'string') {
    if (!bareAllowed) j.open(`${event} with a bare room name`, 'VALIDATION');
    judgeName(j, 'room', body, 'the room', 'VALIDATION', true);
    return;
  }
  if (!isPlainObject(body)) {
    j.refuse(`${event} with a payload that is neither a room name nor an object`, 'VALIDATION');
    return;
  }
  const aliases = ns === 'caps' && event === 'join' ? ['room', 'store', 'storeName', 'clientId'] : ['room'];
  const given = aliases.filter((a) => hasOwn(body, a));
  openExtraKeys(j, body, aliases, event);
  if (given.length === 0) j.refuse(`${event} names no room`, 'VALIDATION');
  else {
    if (given.length > 1) j.open(`${event} names the room as ${given.join(' and ')}`, 'VALIDATION');
    judgeName(j, 'room', body[given[0]], given[0], 'VALIDATION', true);
  }
}

function judgeAck(j: Judgement, ns: string, event: string, body: unknown, ctx: SocketContext): void {
  if (typeof body === 'string') {
    j.open(`${event} with a bare id`, 'VALIDATION');
    judgeId(j, body, 'the id', ctx);
    return;
  }
  if (!isPlainObject(body)) {
    j.refuse(`${event} with a payload that is not an object`, 'VALIDATION');
    return;
  }
  const singles = ['id', 'messageId', 'messageID'].filter((k) => hasOwn(body, k));
  const hasIds = hasOwn(body, 'ids');
  if (ns !== 'caps' && singles.some((k) => k !== 'id')) j.open(`${event} with the CAPS alias ${singles.join(', ')} outside caps`, 'VALIDATION');
  if (singles.length === 0 && !hasIds) {
    j.refuse(`${event} with neither id nor ids`, 'VALIDATION');
    return;
  }
  if (singles.length + (hasIds ? 1 : 0) > 1) j.open(`${event} with ${[...singles, ...(hasIds ? ['ids'] : [])].join(' and ')}`, 'VALIDATION', 'NOT_FOUND');
  for (const key of singles) judgeId(j, body[key], key, ctx);
  if (hasIds) {
    const ids = body.ids;
    if (!Array.isArray(ids)) j.refuse('ids is not a list', 'VALIDATION');
    else if (ids.length > 1000) j.refuse(`ids lists ${ids.length} ids`, 'VALIDATION');
    else if (ids.length === 0) j.open('ids is empty', 'VALIDATION');
    else if (!ids.every((id) => typeof id === 'string')) j.refuse('ids holds something that is not a string', 'VALIDATION');
    else if (!ids.every((id) => id.length >= 1 && id.length <= 256)) j.open('ids holds an id of no possible length', 'VALIDATION');
  }
}

function judgeEvent(j: Judgement, ns: 'caps' | 'events', event: string, args: unknown[], ctx: SocketContext): void {
  const body = args[0];
  const levels = levelsOf(args);
  const known = (COMMON_EVENTS as readonly string[]).includes(event) || (ns === 'caps' && (CAPS_EVENTS as readonly string[]).includes(event));
  if (!known) {
    if (LATER_EVENTS.includes(event)) j.open(`${event} is a §5 event`, 'VALIDATION', 'NOT_FOUND');
    else j.refuse(`/${ns} has no event ${JSON.stringify(event)}`, 'NOT_FOUND');
    return;
  }
  if (args.length > 1) j.open(`${event} with ${args.length} arguments`, 'VALIDATION');
  if (event !== 'publish' && event !== 'publishBatch' && levels > MAX_LEVELS) j.open(`${event} nested ${levels} levels`, 'VALIDATION');
  switch (event) {
    case 'join':
    case 'joinRoom':
    case 'leave':
      judgeRoomEvent(j, ns, event, body);
      return;
    case 'subscribe':
    case 'unsubscribe':
      if (!isPlainObject(body)) {
        j.refuse(`${event} with a payload that is not an object`, 'VALIDATION');
        return;
      }
      openExtraKeys(j, body, event === 'subscribe' ? ['queue', 'prefetch'] : ['queue'], event);
      judgeName(j, 'queue', body.queue, 'queue', 'VALIDATION');
      if (event === 'subscribe') judgeOptionalInt(j, body, 'prefetch', 1, 1000);
      return;
    case 'publish': {
      if (!isPlainObject(body)) {
        j.refuse('publish with a payload that is not an object', 'VALIDATION');
        return;
      }
      const toQueue = hasOwn(body, 'queue');
      const toRoom = hasOwn(body, 'room');
      if (toQueue === toRoom) j.refuse('publish names both or neither of queue and room', 'VALIDATION');
      if (toQueue) judgeName(j, 'queue', body.queue, 'queue', 'VALIDATION');
      if (toRoom) judgeName(j, 'room', body.room, 'room', 'VALIDATION');
      const payloadLevels = judgeMessage(j, body, 'publish', 'VALIDATION', ['queue', 'room']);
      judgeNesting(j, payloadLevels, levels, 'VALIDATION');
      return;
    }
    case 'publishBatch': {
      if (!isPlainObject(body)) {
        j.refuse('publishBatch with a payload that is not an object', 'VALIDATION');
        return;
      }
      for (const key of Object.keys(body)) if (key !== 'queue' && key !== 'messages') j.refuse(`publishBatch with the unknown field ${JSON.stringify(key)}`, 'VALIDATION');
      judgeName(j, 'queue', body.queue, 'queue', 'VALIDATION');
      judgeNesting(j, judgeMessages(j, body.messages, 'messages', 'VALIDATION'), levels, 'VALIDATION');
      return;
    }
    case 'ack':
    case 'received':
      judgeAck(j, ns, event, body, ctx);
      return;
    case 'nack': {
      if (!isPlainObject(body)) {
        j.refuse('nack with a payload that is not an object', 'VALIDATION');
        return;
      }
      if (hasOwn(body, 'requeue') && typeof body.requeue !== 'boolean') j.refuse('requeue is not a boolean', 'VALIDATION');
      judgeOptionalInt(j, body, 'delayMs', 0, MAX_DELAY_MS);
      if (!hasOwn(body, 'id')) j.refuse('nack without an id', 'VALIDATION');
      else judgeId(j, body.id, 'id', ctx);
      // The contract says requeue:false dead-letters at once; the service refuses it for a caps mailbox
      // copy (held by sockets without a client id, it never counts attempts). Reported, left open here.
      if (ns === 'caps' && ctx.anonymous && body.requeue === false && ctx.roomCopies.has(body.id as string)) {
        j.open('requeue:false of a caps mailbox copy', 'VALIDATION');
      }
      return;
    }
    case 'getAll': {
      if (body === undefined || body === null) {
        j.open(`getAll with ${body === null ? 'null' : 'no payload'}`, 'VALIDATION');
        return;
      }
      if (!isPlainObject(body)) {
        j.refuse('getAll with a payload that is not an object', 'VALIDATION');
        return;
      }
      openExtraKeys(j, body, ['event'], event);
      if (hasOwn(body, 'event') && typeof body.event !== 'string') j.refuse('getAll with an event that is not a string', 'VALIDATION');
      return;
    }
    default:
      // pickup, in-transit, delivered
      judgeCapsOrder(j, body, 'VALIDATION');
  }
}

/** What the contract says `args` sent as `event` on `/ns` must come to. */
export function judgeSocket(ns: 'caps' | 'events', event: string, args: unknown[], ctx: SocketContext): Judgement {
  const j = new Judgement();
  if (holdsBinary(args)) j.refuse('a binary attachment (events are JSON)', 'VALIDATION');
  else if (levelsOf(args) <= 2 * MAX_LEVELS) {
    // (Deeper arguments are refused for their depth; JSON.stringify would run out of stack on them.)
    const bytes = Buffer.byteLength(JSON.stringify(args));
    if (bytes > ctx.limitBytes + SIZE_SLACK) j.refuse(`a ${bytes}-byte event over MAX_PAYLOAD_BYTES`, 'PAYLOAD_TOO_LARGE');
    else if (bytes > ctx.limitBytes - SIZE_SLACK) j.open(`a ${bytes}-byte event at MAX_PAYLOAD_BYTES`, 'PAYLOAD_TOO_LARGE');
  }
  judgeEvent(j, ns, event, args, ctx);
  return j;
}

/** What a successful answer to `event` must hold besides `ok: true` (§3). Returns what is wrong, or null. */
function successError(event: string, args: unknown[], answer: Record<string, unknown>): string | null {
  const body = args[0];
  const isId = (v: unknown) => typeof v === 'string' && v.length > 0;
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (event) {
    case 'join':
    case 'joinRoom':
    case 'leave':
      return typeof answer.room === 'string' ? null : 'no room';
    case 'subscribe':
    case 'unsubscribe':
      return typeof answer.queue === 'string' ? null : 'no queue';
    case 'publish': {
      if (!isId(answer.id)) return 'no id';
      if (answer.duplicate !== undefined && answer.duplicate !== true) return 'a duplicate that is not true';
      return isPlainObject(body) && hasOwn(body, 'room') && !isCount(answer.recipients) ? 'no recipients for a room publish' : null;
    }
    case 'publishBatch': {
      const messages = isPlainObject(body) && Array.isArray(body.messages) ? body.messages : [];
      return Array.isArray(answer.ids) && answer.ids.length === messages.length && answer.ids.every(isId) ? null : 'not one id per message';
    }
    case 'ack':
    case 'received':
      return isPlainObject(body) && hasOwn(body, 'ids') && !isCount(answer.acked) ? 'no acked count for ids' : null;
    case 'getAll':
      return isCount(answer.count) ? null : 'no count';
    case 'pickup':
      return isId(answer.id) ? null : 'no id';
    case 'in-transit':
    case 'delivered':
      return isId(answer.id) && isCount(answer.recipients) ? null : 'no id and recipients';
    default:
      return null;
  }
}

/** Whether an acknowledgement is `{ ok: true, ... }` or `{ ok: false, error: { code, message } }` (§3). Returns what is wrong, or null. */
export function socketAnswerError(event: string, args: unknown[], answer: unknown): string | null {
  if (!isPlainObject(answer) || typeof answer.ok !== 'boolean') return 'an answer that is not { ok, ... }';
  if (answer.ok) {
    const wrong = successError(event, args, answer);
    return wrong ? `an { ok: true } answer with ${wrong}` : null;
  }
  const error = answer.error;
  if (!isPlainObject(error) || typeof error.code !== 'string' || typeof error.message !== 'string') return 'an { ok: false } answer without error { code, message }';
  if (!ERROR_CODES.includes(error.code)) return `the error code ${error.code}, not one of the contract's`;
  return null;
}

/** The order a delivery of a CAPS event must carry, or undefined when `args` is not a CAPS event. */
export function sentCapsOrder(event: string, args: unknown[]): Record<string, unknown> | undefined {
  if (!(CAPS_EVENTS as readonly string[]).includes(event) || !isPlainObject(args[0])) return undefined;
  return capsOrderOf(args[0]);
}

