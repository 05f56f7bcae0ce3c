import type { RawRequest, RawResponse } from '../support/raw-http.js';
import { deliveryError, dueAndLasting, ExpectedDelivery, InnocentConsumer, Witness } from './bystanders.js';
import { isPlainObject, Judgement } from './judgement.js';
import { FuzzService, LIMIT_BYTES, POOL_QUEUES, POOL_ROOMS } from './fuzz-service.js';
import { answerError, judgeRest, renderRest, RestCase } from './rest-model.js';
import { stateDiff, storedState } from './stored-state.js';

/** A canary goes through the innocent consumer after this many fuzzed requests. */
const CANARY_EVERY = 10;
/** A witness acks what it holds once it holds this many (far below its prefetch), then the state is read again. */
const SETTLE_ABOVE = 300;

/**
 * Sends fuzzed REST requests to one service and checks, for each: the answer is well formed and is what
 * the contract says (success, or a refusal with an allowed status); the process is still running; a
 * refused request left the stored state as it was; a stored message is delivered as it was sent; and
 * every few requests, that the innocent consumer still gets its canary.
 */
export class RestFuzz {
  private state: string[] | null = null;
  private requests = 0;
  /** Set once the process died: every later run fails with the report of the request that killed it. */
  private fatal: string | null = null;

  private constructor(
    private readonly service: FuzzService,
    private readonly innocent: InnocentConsumer,
    private readonly witnesses: Map<string, Witness>,
  ) {}

  static async start(service: FuzzService): Promise<RestFuzz> {
    const innocent = await InnocentConsumer.start(service.url, 'events');
    const witnesses = new Map<string, Witness>();
    for (const ns of ['caps', 'events']) witnesses.set(ns, await Witness.start(service.url, ns));
    return new RestFuzz(service, innocent, witnesses);
  }

  private get skip(): Set<string> {
    return new Set([this.innocent.queue]);
  }

  /** One fuzzed request; throws with a report of everything that went wrong. */
  async check(c: RestCase): Promise<void> {
    if (this.fatal) throw new Error(`${this.fatal}\n(the process had died already: the counterexample above is not the request that killed it)`);
    const req = renderRest(c);
    const judgement = judgeRest(c, req, LIMIT_BYTES);
    const before = (this.state ??= await storedState(this.service.http, this.skip));
    let res: RawResponse | undefined;
    let failure: string | null = null;
    try {
      res = await this.service.http.send(req);
    } catch (error) {
      failure = `no answer: ${(error as Error).message}`;
    }
    if (!this.service.node.running) {
      const { exitCode, signalCode } = this.service.node.child;
      this.fatal = `${report([`the server process died (exit ${exitCode}, signal ${signalCode})`], req, res, judgement)}\n${this.service.node.output.join('').slice(-3000)}`;
      throw new Error(this.fatal);
    }
    if (!res) throw new Error(report([failure ?? 'no answer'], req, undefined, judgement));

    const problems: string[] = [];
    const shape = answerError(c, req, res);
    if (shape) problems.push(shape);
    const succeeded = res.status >= 200 && res.status < 300;
    if (judgement.verdict === 'ok' && !succeeded) problems.push('refused a request the contract accepts');
    if (judgement.verdict === 'refused' && succeeded) problems.push('accepted a request the contract refuses');
    if (!succeeded && judgement.verdict !== 'ok' && !judgement.refusals.has(res.status)) {
      problems.push(`refused it with ${res.status}, where the contract answers ${[...judgement.refusals].join(' or ')}`);
    }
    const after = await storedState(this.service.http, this.skip);
    this.state = after;
    if (!succeeded) {
      const diff = stateDiff(before, after);
      if (diff) problems.push(`a refused request changed the stored state:\n${diff}`);
    }
    if (succeeded && problems.length === 0) {
      const lost = await deliveryError(expectedDeliveries(c, req, res), [...this.witnesses.values()].map((w) => w.client));
      if (lost) problems.push(lost);
      let settled = 0;
      for (const witness of this.witnesses.values()) settled += await witness.settle(SETTLE_ABOVE);
      if (settled) this.state = await storedState(this.service.http, this.skip);
    }
    if (problems.length) throw new Error(report(problems, req, res, judgement));
    if (++this.requests % CANARY_EVERY === 0) await this.innocent.check(this.service.http);
  }

  close(): void {
    this.innocent.close();
    for (const witness of this.witnesses.values()) witness.close();
  }
}

function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The messages a successful publish stored that a witness must receive: those to a fuzzed queue or
 * room, due now, and without an idempotency key (a duplicate's id is that of an earlier message).
 */
function expectedDeliveries(c: RestCase, req: RawRequest, res: RawResponse): ExpectedDelivery[] {
  if (c.route !== 'publishQueue' && c.route !== 'publishRoom') return [];
  const name = decoded(c.name);
  const pool: readonly string[] = c.route === 'publishQueue' ? POOL_QUEUES : POOL_ROOMS;
  if (name === null || !pool.includes(name) || Object.keys(c.headers ?? {}).some((h) => h.toLowerCase() === 'idempotency-key')) return [];
  let body: unknown;
  try {
    body = JSON.parse(req.body?.toString('utf8') ?? '');
  } catch {
    return [];
  }
  const answer = res.json as { id?: string; ids?: string[] };
  const messages = isPlainObject(body) && Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [body as Record<string, unknown>];
  const ids = answer.ids ?? [answer.id];
  return messages.flatMap((m, i) => {
    const id = ids[i];
    if (typeof id !== 'string' || !isPlainObject(m) || !dueAndLasting(m)) return [];
    return [{ id, payload: m.payload, headers: (m.headers as Record<string, string> | undefined) ?? {} }];
  });
}

function describeRequest(req: RawRequest): string {
  return `${req.method} ${req.path}`;
}

function clip(text: string, max = 400): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

function report(problems: string[], req: RawRequest, res: RawResponse | undefined, judgement: Judgement): string {
  const body = req.body === undefined ? '(none)' : `${req.body.length} bytes: ${clip(req.body.toString('utf8'))}`;
  return [
    ...problems,
    `request: ${describeRequest(req)}`,
    `headers: ${JSON.stringify(req.headers ?? {})}`,
    `body: ${body}`,
    `answer: ${res ? `${res.status} ${clip(res.text)}` : '(none)'}`,
    `contract: ${judgement.describe()}`,
  ].join('\n');
}
