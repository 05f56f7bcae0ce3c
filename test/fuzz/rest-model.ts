import type { RawRequest, RawResponse } from '../support/raw-http.js';
import { judgeMessage, judgeMessages, judgeName, judgeNesting, levelsOf, MAX_KEY_LENGTH, NAMESPACES } from './contract-rules.js';
import { hasOwn, isPlainObject, Judgement } from './judgement.js';

/** The routes of contract §4 the REST fuzz drives. */
export type RestRoute =
  | 'publishQueue'
  | 'publishRoom'
  | 'queueStats'
  | 'queueDeadLetters'
  | 'queueRedrive'
  | 'purge'
  | 'roomDeadLetters'
  | 'roomRedrive'
  | 'listQueues'
  | 'listRooms'
  | 'listNamespaces';

/**
 * A request body, described rather than spelt out so that a counterexample stays readable: a body
 * 50,000 levels deep prints as `{ deep: 50000, … }`, not as 50,000 braces.
 */
export type BodySpec =
  | { json: unknown }
  | { text: string }
  | { deep: number; container: 'object' | 'array'; at: 'payload' | 'headers' | 'body' | 'batch' | 'unknown' }
  /** A valid message (or a batch of `count`) whose payload strings make the body exactly `bytes` long. */
  | { sized: number; count?: number };

export interface RestCase {
  route: RestRoute;
  /** Path segments exactly as sent (already percent-encoded, or not, as the case wants). */
  ns: string;
  name: string;
  /** The query string, without `?`. */
  query?: string;
  /** Content-Type: absent from the case means application/json, null means no header at all. */
  contentType?: string | null;
  headers?: Record<string, string>;
  body?: BodySpec;
}

const ROUTE_PATHS: Record<RestRoute, { method: string; path: (ns: string, name: string) => string; kind?: 'queue' | 'room'; success: number }> = {
  publishQueue: { method: 'POST', path: (ns, q) => `/api/namespaces/${ns}/queues/${q}/messages`, kind: 'queue', success: 201 },
  publishRoom: { method: 'POST', path: (ns, r) => `/api/namespaces/${ns}/rooms/${r}/messages`, kind: 'room', success: 201 },
  queueStats: { method: 'GET', path: (ns, q) => `/api/namespaces/${ns}/queues/${q}`, kind: 'queue', success: 200 },
  queueDeadLetters: { method: 'GET', path: (ns, q) => `/api/namespaces/${ns}/queues/${q}/dead-letters`, kind: 'queue', success: 200 },
  queueRedrive: { method: 'POST', path: (ns, q) => `/api/namespaces/${ns}/queues/${q}/dead-letters/redrive`, kind: 'queue', success: 200 },
  purge: { method: 'DELETE', path: (ns, q) => `/api/namespaces/${ns}/queues/${q}/messages`, kind: 'queue', success: 200 },
  roomDeadLetters: { method: 'GET', path: (ns, r) => `/api/namespaces/${ns}/rooms/${r}/dead-letters`, kind: 'room', success: 200 },
  roomRedrive: { method: 'POST', path: (ns, r) => `/api/namespaces/${ns}/rooms/${r}/dead-letters/redrive`, kind: 'room', success: 200 },
  listQueues: { method: 'GET', path: (ns) => `/api/namespaces/${ns}/queues`, success: 200 },
  listRooms: { method: 'GET', path: (ns) => `/api/namespaces/${ns}/rooms`, success: 200 },
  listNamespaces: { method: 'GET', path: () => '/api/namespaces', success: 200 },
};

export function isPublish(route: RestRoute): boolean {
  return route === 'publishQueue' || route === 'publishRoom';
}

/** `{"a":{"a":…}}` or `[[…]]` as text: built without recursion, at any depth. */
export function nestedText(levels: number, container: 'object' | 'array', leaf: string): string {
  const [open, close] = container === 'object' ? ['{"a":', '}'] : ['[', ']'];
  return open.repeat(levels) + leaf + close.repeat(levels);
}

export function renderBody(spec: BodySpec): Buffer {
  if ('json' in spec) return Buffer.from(JSON.stringify(spec.json) ?? '', 'utf8');
  if ('text' in spec) return Buffer.from(spec.text, 'utf8');
  if ('deep' in spec) {
    const inner = nestedText(spec.deep, spec.container, spec.at === 'headers' ? '"h"' : '1');
    const text = {
      payload: `{"payload":${inner}}`,
      headers: `{"payload":1,"headers":${inner}}`,
      body: inner,
      batch: `{"messages":[{"payload":1},{"payload":${inner}}]}`,
      unknown: `{"payload":1,"extra":${inner}}`,
    }[spec.at];
    return Buffer.from(text, 'utf8');
  }
  const count = spec.count ?? 1;
  const empty = count === 1 ? '{"payload":""}' : `{"messages":[${Array.from({ length: count }, () => '{"payload":""}').join(',')}]}`;
  const fill = Math.max(0, spec.sized - Buffer.byteLength(empty));
  if (count === 1) return Buffer.from(`{"payload":"${'x'.repeat(fill)}"}`, 'utf8');
  const each = Math.floor(fill / count);
  const messages = Array.from({ length: count }, (_, i) => `{"payload":"${'y'.repeat(i === 0 ? fill - each * (count - 1) : each)}"}`);
  return Buffer.from(`{"messages":[${messages.join(',')}]}`, 'utf8');
}

export function renderRest(c: RestCase): RawRequest {
  const route = ROUTE_PATHS[c.route];
  const headers: Record<string, string> = { ...c.headers };
  const body = c.body === undefined ? undefined : renderBody(c.body);
  if (body !== undefined && c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  const path = route.path(c.ns, c.name) + (c.query === undefined ? '' : `?${c.query}`);
  return { method: route.method, path, headers, body };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** How a Content-Type header reads: JSON, a kind that may fairly be taken as JSON or not, another kind, or none. */
export function contentKind(type: string | null | undefined): 'json' | 'maybe' | 'other' | 'none' {
  if (type === undefined) return 'json';
  if (type === null || !/^[\w.+-]+\/[\w.+-]+/.test(type)) return 'none';
  if (/^application\/json(;\s?charset=utf-8)?$/i.test(type)) return 'json';
  return /json/i.test(type) ? 'maybe' : 'other';
}

/**
 * `?limit=` of the dead-letter lists (§4): 1–1000, default 100, another value answers 400. A key that
 * means `limit` to a qs-style parser (`limit[a]`) counts as another value; leading zeros and parameters
 * that are not `limit` are for the service to decide.
 */
export function judgeLimit(j: Judgement, query: string | undefined): void {
  if (query === undefined || query === '') return;
  const limits: string[] = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const key = decodeSegment(rawKey.replace(/\+/g, ' '));
    const value = decodeSegment(rawValue.replace(/\+/g, ' '));
    if (key === null || value === null) {
      j.open(`the query part ${JSON.stringify(pair.slice(0, 30))} is not valid percent-encoding`, 400);
      continue;
    }
    if (key === 'limit') limits.push(value);
    else if (key.startsWith('limit[')) j.refuse(`the query key ${JSON.stringify(key)} makes limit a structure`, 400);
    else j.open(`the query parameter ${JSON.stringify(key.slice(0, 30))} is not limit`, 400);
  }
  if (limits.length > 1) j.refuse(`limit is given ${limits.length} times`, 400);
  else if (limits.length === 1) {
    const value = limits[0];
    if (/^[1-9]\d{0,3}$/.test(value) && Number(value) <= 1000) return;
    if (/^0+\d{1,4}$/.test(value) && Number(value) >= 1 && Number(value) <= 1000) j.open(`limit ${value} has leading zeros`, 400);
    else j.refuse(`limit ${JSON.stringify(value.slice(0, 20))} is not 1–1000`, 400);
  }
}

/** A publish body, as JSON text: one message (queue or room) or, on a queue, a batch `{ messages }`. */
function judgePublishBody(j: Judgement, route: RestRoute, text: string, idempotencyKey: string | undefined): void {
  let body: unknown;
  // RFC 8259 §8.1 lets a parser ignore a byte order mark: both answers are fair.
  if (text.startsWith('\uFEFF')) {
    j.open('a body that starts with a byte order mark', 400);
    text = text.slice(1);
  }
  try {
    body = JSON.parse(text);
  } catch {
    j.refuse('the body is not JSON', 400);
    return;
  }
  // body-parser's strict mode, which the contract's "a message or a batch" implies: only objects.
  if (!isPlainObject(body)) {
    j.refuse('the body is not a JSON object', 400);
    if (levelsOf(body) > 64) j.refuse('and it is nested past 64 levels', 400);
    return;
  }
  const isBatch = route === 'publishQueue' && hasOwn(body, 'messages');
  let payloadLevels: number;
  let count = 1;
  if (isBatch) {
    for (const key of Object.keys(body)) if (key !== 'messages') j.refuse(`a batch with the field ${JSON.stringify(key)} beside messages`, 400);
    payloadLevels = judgeMessages(j, body.messages, 'messages', 400);
    if (Array.isArray(body.messages)) count = body.messages.length;
  } else {
    payloadLevels = judgeMessage(j, body, 'body', 400);
  }
  judgeNesting(j, payloadLevels, levelsOf(body) + 1, 400);
  if (idempotencyKey !== undefined) {
    const key = idempotencyKey.trim();
    const bodyHasKey = !isBatch && hasOwn(body, 'key');
    if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
      if (bodyHasKey) j.open('a bad Idempotency-Key beside a body key (which wins)', 400);
      else j.refuse(`an Idempotency-Key of ${key.length} characters`, 400);
    } else if (isBatch && key.length + 1 + String(count - 1).length > MAX_KEY_LENGTH) {
      j.open('an Idempotency-Key that leaves no room for the batch suffix', 400);
    }
  }
}

/** What the contract says `c` must come to on a service whose MAX_PAYLOAD_BYTES is `limitBytes`. */
export function judgeRest(c: RestCase, req: RawRequest, limitBytes: number): Judgement {
  const j = new Judgement();
  const route = ROUTE_PATHS[c.route];
  if (c.route !== 'listNamespaces') {
    const ns = decodeSegment(c.ns);
    if (ns === null) j.refuse('the namespace segment is not valid percent-encoding', 400, 404);
    else if (!(NAMESPACES as readonly string[]).includes(ns)) j.refuse(`unknown namespace ${JSON.stringify(ns.slice(0, 30))}`, 404);
  }
  if (route.kind) {
    const name = decodeSegment(c.name);
    if (c.name === '') j.refuse('an empty name segment (another route)', 404);
    else if (c.name === '.' || c.name === '..') j.refuse(`the name ${c.name} as a path segment`, 400, 404);
    else if (name === null) j.refuse('the name segment is not valid percent-encoding', 400);
    else judgeName(j, route.kind, name, route.kind, 400);
    if (c.route === 'queueStats') j.open('a queue that may never have been used', 404);
  }
  if (c.route === 'queueDeadLetters' || c.route === 'roomDeadLetters') judgeLimit(j, c.query);
  else if (c.query) j.open('a query string on a route that takes none', 400);

  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  if (body !== undefined && body.length > 0) {
    if (body.length > limitBytes) j.refuse(`a ${body.length}-byte body over MAX_PAYLOAD_BYTES`, 413);
    const kind = contentKind(c.contentType);
    if (kind === 'other') j.refuse(`a ${c.contentType} body`, 415);
    else if (kind === 'none') j.refuse(`a body with the Content-Type ${JSON.stringify(c.contentType)}`, 400, 415);
    else if (kind === 'maybe') j.open(`a ${c.contentType} body`, 400, 415);
    if (isPublish(c.route)) judgePublishBody(j, c.route, body.toString('utf8'), headerOf(c, 'idempotency-key'));
    else j.open('a body on a route that takes none', 400, 415);
  } else if (isPublish(c.route)) {
    j.refuse('a publish without a body', 400, 415);
  }
  return j;
}

function headerOf(c: RestCase, name: string): string | undefined {
  const found = Object.entries(c.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isIsoDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function isQueueStats(v: unknown): boolean {
  if (!isPlainObject(v) || typeof v.name !== 'string') return false;
  return ['ready', 'inFlight', 'delayed', 'deadLettered', 'consumers', 'published', 'acked', 'redelivered', 'oldestReadyAgeMs'].every((k) => isCount(v[k]));
}

function isDeadLetter(v: unknown, room: boolean): boolean {
  return (
    isPlainObject(v) &&
    typeof v.id === 'string' &&
    hasOwn(v, 'payload') &&
    isCount(v.attempts) &&
    typeof v.reason === 'string' &&
    isIsoDate(v.deadLetteredAt) &&
    (!room || typeof v.clientId === 'string')
  );
}

/** The documented 2xx body of each route (§4), given the request's body for a batch's `ids`. */
function successShapeError(c: RestCase, body: unknown, sent: string | Buffer | undefined): string | null {
  const list = (check: (v: unknown) => boolean) => Array.isArray(body) && body.every(check);
  switch (c.route) {
    case 'publishQueue': {
      if (!isPlainObject(body)) return 'not an object';
      let sentBody: unknown;
      try {
        sentBody = JSON.parse(sent?.toString('utf8') ?? '');
      } catch {
        sentBody = undefined;
      }
      if (isPlainObject(sentBody) && Array.isArray(sentBody.messages)) {
        const ids = body.ids;
        return Array.isArray(ids) && ids.length === sentBody.messages.length && ids.every((id) => typeof id === 'string') ? null : 'not { ids } with one id per message';
      }
      return typeof body.id === 'string' && (body.duplicate === undefined || body.duplicate === true) ? null : 'not { id, duplicate? }';
    }
    case 'publishRoom':
      return isPlainObject(body) && typeof body.id === 'string' && isCount(body.recipients) ? null : 'not { id, recipients }';
    case 'queueStats':
      return isQueueStats(body) ? null : 'not QueueStats';
    case 'listQueues':
      return list(isQueueStats) ? null : 'not [QueueStats]';
    case 'queueDeadLetters':
    case 'roomDeadLetters':
      return list((v) => isDeadLetter(v, c.route === 'roomDeadLetters')) ? null : 'not a dead-letter list';
    case 'queueRedrive':
    case 'roomRedrive':
      return isPlainObject(body) && isCount(body.redriven) ? null : 'not { redriven }';
    case 'purge':
      return isPlainObject(body) && isCount(body.purged) ? null : 'not { purged }';
    case 'listRooms':
      return list((v) => isPlainObject(v) && typeof v.name === 'string' && isCount(v.online) && isCount(v.members)) ? null : 'not [{ name, online, members }]';
    case 'listNamespaces':
      return list((v) => isPlainObject(v) && typeof v.name === 'string') ? null : 'not [{ name, queues, rooms, connections }]';
  }
}

/**
 * Whether an answer is well formed (§4): a 2xx with the route's status and documented body, or a 4xx in
 * Nest's shape `{ statusCode, error, message }`. A 5xx is never right here: the store is up and every
 * request is either valid or the client's fault. Returns what is wrong, or null.
 */
export function answerError(c: RestCase, req: RawRequest, res: RawResponse): string | null {
  const route = ROUTE_PATHS[c.route];
  if (res.status >= 200 && res.status < 300) {
    if (res.status !== route.success) return `answered ${res.status} where the route answers ${route.success}`;
    const wrong = successShapeError(c, res.json, req.body);
    return wrong ? `a ${res.status} whose body is ${wrong}` : null;
  }
  if (res.status >= 500) return `answered ${res.status}: a server error for a client's request`;
  const body = res.json;
  const message = isPlainObject(body) ? body.message : undefined;
  const messageOk = typeof message === 'string' || (Array.isArray(message) && message.every((m) => typeof m === 'string'));
  if (!isPlainObject(body) || body.statusCode !== res.status || typeof body.error !== 'string' || !messageOk) {
    return `a ${res.status} whose body is not Nest's { statusCode, error, message }`;
  }
  return null;
}

