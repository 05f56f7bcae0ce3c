import { connectClient, TestClient } from '../support/connect-client.js';
import { sleep } from '../support/wait-for.js';

/** The namespace every fault scenario uses (any shipped one would do). */
export const NS = 'events';

/** The payload of every message the scenarios publish: `pid` names it, `pad` gives it some weight. */
export interface Payload {
  pid: string;
  pad?: string;
}

export interface Answer {
  status: number;
  body: any;
}

/** GET /health's status; 0 when the server does not answer within 3 s (that is not a 503 either). */
export async function health(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}

/**
 * Polls /health until it answers `status`; resolves with how long that took, or with null when it did not
 * within `withinMs` (the caller asserts, so the report names the status seen last).
 */
export async function healthBecomes(url: string, status: number, withinMs: number): Promise<{ afterMs: number | null; last: number }> {
  const started = Date.now();
  let last = 0;
  while (Date.now() - started <= withinMs) {
    last = await health(url);
    if (last === status) return { afterMs: Date.now() - started, last };
    await sleep(100);
  }
  return { afterMs: null, last };
}

/** POST one message to a queue (given by name) or a room (`{ room }`). */
export async function restPublish(url: string, to: string | { room: string }, payload: Payload): Promise<Answer> {
  const path = typeof to === 'string' ? `queues/${to}` : `rooms/${to.room}`;
  const res = await fetch(`${url}/api/namespaces/${NS}/${path}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function restGet(url: string, path: string): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Prometheus text, or an error page: kept as text.
  }
  return { status: res.status, body };
}

/**
 * What producers were told: `confirmed` got 201 / ok:true (so must never be lost), `refused` got an error
 * (so must not have been stored, contract §3/§4). Refusals keep their answer for the report.
 */
export class Ledger {
  readonly confirmed = new Set<string>();
  readonly refused = new Map<string, string>();
  private n = 0;

  constructor(private readonly tag: string) {}

  /** A fresh payload id. */
  next(via: 'rest' | 'socket'): string {
    return `${this.tag}-${via}-${++this.n}`;
  }

  /** Publishes over REST and records the outcome; returns the answer. */
  async viaRest(url: string, queue: string, pad = ''): Promise<Answer> {
    const pid = this.next('rest');
    let answer: Answer;
    try {
      answer = await restPublish(url, queue, { pid, pad });
    } catch (error) {
      // No answer at all (connection refused or reset): the producer cannot count it as stored.
      answer = { status: 0, body: String(error) };
    }
    if (answer.status === 201) this.confirmed.add(pid);
    else this.refused.set(pid, `HTTP ${answer.status}`);
    return answer;
  }

  /** Publishes over a socket and records the outcome; returns the acknowledgement. */
  async viaSocket(client: TestClient, queue: string, pad = ''): Promise<any> {
    const pid = this.next('socket');
    let reply: any;
    try {
      reply = await client.request('publish', { queue, payload: { pid, pad } });
    } catch (error) {
      reply = { ok: false, error: { code: 'NO_ANSWER', message: String(error) } };
    }
    if (reply?.ok === true) this.confirmed.add(pid);
    else this.refused.set(pid, String(reply?.error?.code));
    return reply;
  }

  /** Distinct answers among the refusals, e.g. `['HTTP 503', 'UNAVAILABLE']`. */
  refusalKinds(): string[] {
    return [...new Set(this.refused.values())].sort();
  }
}

export interface Drained {
  /** Payload id → how many times it arrived. */
  seen: Map<string, number>;
  /** Message ids of everything received. */
  ids: string[];
  missing: string[];
}

/**
 * Subscribes one consumer and acks everything it gets until every id of `expected` arrived and nothing
 * new came for `quietMs` (or `timeoutMs` passed). Acks go in batches of at most 1000 (contract §3).
 */
export async function drain(url: string, queue: string, expected: Iterable<string>, options: { timeoutMs?: number; quietMs?: number } = {}): Promise<Drained> {
  const { timeoutMs = 15_000, quietMs = 500 } = options;
  const want = new Set(expected);
  const consumer = await connectClient(url, NS);
  try {
    const seen = new Map<string, number>();
    const ids: string[] = [];
    let acked = 0;
    let lastArrival = Date.now();
    const subscribed = await consumer.request('subscribe', { queue, prefetch: 1000 });
    if (subscribed?.ok !== true) throw new Error(`subscribe to ${queue} answered ${JSON.stringify(subscribed)}`);
    const started = Date.now();
    for (;;) {
      const bodies = consumer.bodies();
      if (bodies.length > acked) {
        const fresh = bodies.slice(acked);
        acked = bodies.length;
        lastArrival = Date.now();
        for (const m of fresh) {
          ids.push(m.id);
          const pid = String(m.payload?.pid);
          seen.set(pid, (seen.get(pid) ?? 0) + 1);
        }
        for (let i = 0; i < fresh.length; i += 1000) {
          await consumer.request('ack', { ids: fresh.slice(i, i + 1000).map((m) => m.id) });
        }
      }
      const complete = [...want].every((pid) => seen.has(pid));
      if (complete && Date.now() - lastArrival >= quietMs) break;
      if (Date.now() - started > timeoutMs) break;
      await sleep(20);
    }
    return { seen, ids, missing: [...want].filter((pid) => !seen.has(pid)) };
  } finally {
    consumer.close();
  }
}

/** The value of a Prometheus sample (the sum over its label sets), or null when the metric is absent. */
export function metricValue(text: string, name: string): number | null {
  let found = false;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match && match[1] === name) {
      found = true;
      sum += Number(match[3]);
    }
  }
  return found ? sum : null;
}

/**
 * The last two steps of every disk-fault scenario: once the fault is gone, /health is 200 again within 2 s
 * and writes are taken over both edges without a restart; then every confirmed message is delivered and
 * no refused one ever is.
 */
export async function expectRecovery(node: { url: string; running: boolean }, ledger: Ledger, producer: TestClient, queue: string): Promise<void> {
  expect(await healthBecomes(node.url, 200, 2000)).toEqual({ afterMs: expect.any(Number), last: 200 });
  for (let i = 0; i < 5; i++) {
    expect((await ledger.viaRest(node.url, queue, 'after')).status).toBe(201);
    expect(await ledger.viaSocket(producer, queue, 'after')).toMatchObject({ ok: true });
  }
  expect(node.running).toBe(true);
}

export async function expectConfirmedDelivered(url: string, ledger: Ledger, queue: string): Promise<void> {
  const got = await drain(url, queue, ledger.confirmed);
  expect(got.missing).toEqual([]);
  expect([...ledger.refused.keys()].filter((pid) => got.seen.has(pid))).toEqual([]);
}
