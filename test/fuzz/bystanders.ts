import { randomUUID } from 'node:crypto';
import { connectClient, TestClient } from '../support/connect-client.js';
import type { RawHttp } from '../support/raw-http.js';
import { waitFor } from '../support/wait-for.js';
import { POOL_QUEUES, POOL_ROOMS } from './fuzz-service.js';

/**
 * A consumer that has nothing to do with the fuzzed requests: subscribed to a queue of its own, it must
 * keep receiving (and acking) canaries whatever the other sockets send (contract §3: "a malformed event
 * never disconnects other clients").
 */
export class InnocentConsumer {
  private canaries = 0;

  private constructor(
    readonly ns: string,
    readonly queue: string,
    private readonly client: TestClient,
  ) {}

  static async start(url: string, ns: string): Promise<InnocentConsumer> {
    const queue = `innocent-${randomUUID().slice(0, 8)}`;
    const client = await connectClient(url, ns);
    const answer = await client.request('subscribe', { queue, prefetch: 10 });
    if (answer?.ok !== true) throw new Error(`the innocent consumer could not subscribe: ${JSON.stringify(answer)}`);
    return new InnocentConsumer(ns, queue, client);
  }

  /** Publishes a canary over REST and checks that it arrives within 5 s and that its ack is accepted. */
  async check(http: RawHttp): Promise<void> {
    const n = ++this.canaries;
    if (!this.client.socket.connected) throw new Error(`the innocent consumer of /${this.ns} was disconnected`);
    const res = await http.send({
      method: 'POST',
      path: `/api/namespaces/${this.ns}/queues/${this.queue}/messages`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { canary: n } }),
    });
    if (res.status !== 201) throw new Error(`canary ${n} to /${this.ns} was answered ${res.status} ${res.text.slice(0, 200)}`);
    const id = (res.json as { id: string }).id;
    await waitFor(() => this.client.bodies().some((b) => b.id === id), `canary ${n} to reach the innocent consumer of /${this.ns}`, 5_000);
    const ack = await this.client.request('ack', { id });
    if (ack?.ok !== true) throw new Error(`the innocent consumer's ack of canary ${n} was answered ${JSON.stringify(ack)}`);
  }

  close(): void {
    this.client.close();
  }
}

/**
 * A consumer of every fuzzed queue and a durable member of every fuzzed room of one namespace, so that
 * what a fuzzed publish stored can be checked as delivered: exactly the payload and headers sent.
 */
export class Witness {
  private readonly acked = new Set<string>();

  private constructor(readonly client: TestClient) {}

  static async start(url: string, ns: string, extraQueues: readonly string[] = []): Promise<Witness> {
    const client = await connectClient(url, ns, { clientId: `fz-witness-${ns}` });
    for (const queue of [...POOL_QUEUES, ...extraQueues]) expectOk(await client.request('subscribe', { queue, prefetch: 1000 }), `subscribe ${queue}`);
    for (const room of POOL_ROOMS) expectOk(await client.request('join', { room }), `join ${room}`);
    return new Witness(client);
  }

  /**
   * Acks everything it was sent so far once it holds more than `above`, so that it never runs out of
   * prefetch. Returns how many it acked.
   */
  async settle(above = 0): Promise<number> {
    const ids = [...new Set(this.client.received.map((r) => r.body?.id).filter((id): id is string => typeof id === 'string' && !this.acked.has(id)))];
    if (ids.length <= above) return 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      expectOk(await this.client.request('ack', { ids: chunk }), 'ack of what the witness was sent');
      for (const id of chunk) this.acked.add(id);
    }
    return ids.length;
  }

  close(): void {
    this.client.close();
  }
}

function expectOk(answer: any, what: string): void {
  if (answer?.ok !== true) throw new Error(`${what} was answered ${JSON.stringify(answer)}`);
}

/** JSON with keys sorted, for comparing a payload as sent with one as delivered. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * Whether a stored message must soon reach a consumer with room for it, and be checked there: without a
 * key (a duplicate's id is an earlier message's), due now, and not about to expire.
 */
export function dueAndLasting(m: Record<string, unknown>): boolean {
  if (Object.prototype.hasOwnProperty.call(m, 'key')) return false;
  if (typeof m.delayMs === 'number' && m.delayMs > 0) return false;
  return !(typeof m.ttlMs === 'number' && m.ttlMs < 60_000);
}

export interface ExpectedDelivery {
  id: string;
  payload: unknown;
  /** The headers it must arrive with; undefined skips the check (CAPS events add their own). */
  headers?: Record<string, string>;
}

/**
 * Waits until each expected message reached one of `clients` (under any event name) and checks what
 * arrived. Returns what is wrong, or null.
 */
export async function deliveryError(expected: readonly ExpectedDelivery[], clients: readonly TestClient[], timeoutMs = 3_000): Promise<string | null> {
  for (const e of expected) {
    const find = () => clients.flatMap((c) => c.received).find((r) => r.body?.id === e.id);
    let got: { event: string; body: any };
    try {
      got = await waitFor(find, `message ${e.id}`, timeoutMs);
    } catch {
      return `the stored message ${e.id} was not delivered within ${timeoutMs} ms to a consumer with room for it`;
    }
    if (canonical(got.body.payload) !== canonical(e.payload)) {
      return `message ${e.id} was delivered with the payload ${canonical(got.body.payload).slice(0, 300)}, not as sent: ${canonical(e.payload).slice(0, 300)}`;
    }
    if (e.headers !== undefined && canonical(got.body.headers) !== canonical(e.headers)) {
      return `message ${e.id} was delivered with the headers ${canonical(got.body.headers).slice(0, 300)}, not as sent: ${canonical(e.headers).slice(0, 300)}`;
    }
  }
  return null;
}
