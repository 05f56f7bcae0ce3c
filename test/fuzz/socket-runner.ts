import { connectClient, TestClient } from '../support/connect-client.js';
import { sleep } from '../support/wait-for.js';
import { deliveryError, dueAndLasting, ExpectedDelivery, InnocentConsumer, Witness } from './bystanders.js';
import { capsOrderOf } from './contract-rules.js';
import { FuzzService, LIMIT_BYTES, POOL_QUEUES, POOL_ROOMS } from './fuzz-service.js';
import { hasOwn, isPlainObject, Judgement } from './judgement.js';
import { judgeSocket, renderArgs, SocketCase, socketAnswerError } from './socket-model.js';
import { stateDiff, storedState } from './stored-state.js';

const CANARY_EVERY = 10;
const SETTLE_ABOVE = 300;
const NAMESPACES = ['caps', 'events'] as const;
type Ns = (typeof NAMESPACES)[number];

/**
 * Sends fuzzed socket events from two sockets per namespace (one anonymous, one with a client id) and
 * checks, for each: an event sent with an acknowledgement callback is answered, well formed and as the
 * contract says; the process is still running and no socket lost its connection; a refused event left
 * the stored state as it was; what a successful publish stored is delivered as sent; and every few
 * events, that the innocent consumers of both namespaces still get their canaries.
 */
export class SocketFuzz {
  private state: string[] | null = null;
  private events = 0;
  /** Set once the process died: every later run fails with the report of the event that killed it. */
  private fatal: string | null = null;

  private constructor(
    private readonly service: FuzzService,
    private readonly senders: Record<Ns, TestClient[]>,
    private readonly witnesses: Record<Ns, Witness>,
    private readonly innocents: InnocentConsumer[],
  ) {}

  static async start(service: FuzzService): Promise<SocketFuzz> {
    const senders = {} as Record<Ns, TestClient[]>;
    const witnesses = {} as Record<Ns, Witness>;
    const innocents: InnocentConsumer[] = [];
    for (const ns of NAMESPACES) {
      senders[ns] = [await connectClient(service.url, ns), await connectClient(service.url, ns, { clientId: `fz-sender-${ns}` })];
      witnesses[ns] = await Witness.start(service.url, ns, ns === 'caps' ? ['pickup'] : []);
      innocents.push(await InnocentConsumer.start(service.url, ns));
    }
    return new SocketFuzz(service, senders, witnesses, innocents);
  }

  private get skip(): Set<string> {
    return new Set(this.innocents.map((i) => i.queue));
  }

  /** A sender the server disconnected (already reported) is replaced, so that later runs and shrinking start clean. */
  private async sender(ns: Ns, who: 0 | 1): Promise<TestClient> {
    const current = this.senders[ns][who];
    if (current.socket.connected) return current;
    current.close();
    const fresh = await connectClient(this.service.url, ns, who === 1 ? { clientId: `fz-sender-${ns}` } : {});
    this.senders[ns][who] = fresh;
    this.state = null;
    return fresh;
  }

  async check(c: SocketCase): Promise<void> {
    if (this.fatal) throw new Error(`${this.fatal}\n(the process had died already: the counterexample above is not the event that killed it)`);
    const client = await this.sender(c.ns, c.who);
    const delivered = new Set(client.received.map((r) => r.body?.id).filter((id): id is string => typeof id === 'string'));
    const heldId = [...delivered].pop() ?? 'nothing-delivered-yet';
    const args = renderArgs(c.args, heldId);
    const roomCopies = new Set(client.received.filter((r) => typeof r.body?.room === 'string').map((r) => r.body.id as string));
    const judgement = judgeSocket(c.ns, c.event, args, { delivered, roomCopies, anonymous: c.who === 0, limitBytes: LIMIT_BYTES });
    const before = (this.state ??= await storedState(this.service.http, this.skip));

    const problems: string[] = [];
    let answer: any;
    let answered = false;
    if (c.ack) {
      try {
        answer = await client.socket.timeout(5_000).emitWithAck(c.event, ...args);
        answered = true;
      } catch {
        problems.push('no answer within 5 s to an event sent with an acknowledgement callback');
      }
    } else {
      client.socket.emit(c.event, ...args);
      // Lets the server get to the event before the state is read again; an unknown event changes nothing.
      await sleep(20);
      await client.socket
        .timeout(5_000)
        .emitWithAck('fz-barrier')
        .catch(() => problems.push('the socket stopped answering after an event sent without a callback'));
    }
    if (!this.service.node.running) {
      this.fatal = report([`the server process died (exit ${this.service.node.child.exitCode}, signal ${this.service.node.child.signalCode})`], c, args, undefined, judgement);
      this.fatal += `\n${this.service.node.output.join('').slice(-3000)}`;
      throw new Error(this.fatal);
    }
    if (!client.socket.connected) problems.push('the server closed the connection of the socket that sent it (a frame within 2 × MAX_PAYLOAD_BYTES)');
    const others = [...NAMESPACES.flatMap((ns) => [...this.senders[ns], this.witnesses[ns].client])].filter((s) => s !== client);
    if (others.some((s) => !s.socket.connected)) problems.push('another client lost its connection');

    if (answered) {
      const shape = socketAnswerError(c.event, args, answer);
      if (shape) problems.push(shape);
      const ok = answer?.ok === true;
      if (judgement.verdict === 'ok' && !ok) problems.push('refused an event the contract accepts');
      if (judgement.verdict === 'refused' && ok) problems.push('accepted an event the contract refuses');
      const code = answer?.error?.code;
      if (!ok && judgement.verdict !== 'ok' && !judgement.refusals.has(code)) problems.push(`refused it with ${code}, where the contract answers ${[...judgement.refusals].join(' or ')}`);
    }
    const refused = answered ? answer?.ok !== true : judgement.verdict === 'refused';
    const after = await storedState(this.service.http, this.skip);
    this.state = after;
    const diff = stateDiff(before, after);
    if (refused && diff) problems.push(`a refused event changed the stored state:\n${diff}`);
    if (!refused && diff && answer?.count === 0 && this.matchesNothing(c, args)) {
      problems.push(`getAll for an event no message carries sent nothing again, yet changed the stored state:\n${diff}`);
    }
    if (answered && answer?.ok === true) this.noteEvents(c, args);
    if (answered && answer?.ok === true && problems.length === 0) {
      const lost = await deliveryError(expectedDeliveries(c, args, answer), [...this.senders[c.ns], this.witnesses[c.ns].client]);
      if (lost) problems.push(lost);
      const settled = (await this.witnesses.caps.settle(SETTLE_ABOVE)) + (await this.witnesses.events.settle(SETTLE_ABOVE));
      if (settled) this.state = await storedState(this.service.http, this.skip);
    }
    if (problems.length) throw new Error(report(problems, c, args, answered ? answer : undefined, judgement));
    if (++this.events % CANARY_EVERY === 0) for (const innocent of this.innocents) await innocent.check(this.service.http);
  }

  /** `headers.event` of every message published so far: getAll { event } picks by it (contract §3, aliases). */
  private readonly headerEvents = new Set<string>(['pickup', 'in-transit', 'delivered']);

  private noteEvents(c: SocketCase, args: unknown[]): void {
    const body = args[0];
    if (!isPlainObject(body)) return;
    const messages = c.event === 'publishBatch' && Array.isArray(body.messages) ? body.messages : c.event === 'publish' ? [body] : [];
    for (const m of messages) {
      const event = isPlainObject(m) && isPlainObject(m.headers) ? m.headers.event : undefined;
      if (typeof event === 'string') this.headerEvents.add(event);
    }
  }

  /**
   * `getAll { event }` for an event that no message carries: it sends nothing again ("only pending
   * messages of that CAPS event are sent again"), so it has nothing to count as an attempt either.
   */
  private matchesNothing(c: SocketCase, args: unknown[]): boolean {
    const body = args[0];
    return c.event === 'getAll' && args.length === 1 && isPlainObject(body) && typeof body.event === 'string' && !this.headerEvents.has(body.event);
  }

  close(): void {
    for (const ns of NAMESPACES) {
      for (const s of this.senders[ns]) s.close();
      this.witnesses[ns].close();
    }
    for (const innocent of this.innocents) innocent.close();
  }
}

/** What a successful publish (or CAPS event) to a fuzzed queue or room stored, that a consumer must get as sent. */
function expectedDeliveries(c: SocketCase, args: unknown[], answer: any): ExpectedDelivery[] {
  const body = args[0];
  if (!isPlainObject(body) || args.length !== 1) return [];
  const toPool = (q: unknown, r: unknown) => (POOL_QUEUES as readonly unknown[]).includes(q) || (POOL_ROOMS as readonly unknown[]).includes(r);
  if (c.event === 'publish') {
    if (!toPool(body.queue, body.room) || !dueAndLasting(body) || answer.duplicate) return [];
    return [{ id: answer.id, payload: body.payload, headers: (body.headers as Record<string, string>) ?? {} }];
  }
  if (c.event === 'publishBatch') {
    if (!toPool(body.queue, undefined) || !Array.isArray(body.messages)) return [];
    return (body.messages as Record<string, unknown>[]).flatMap((m, i) =>
      isPlainObject(m) && dueAndLasting(m) ? [{ id: answer.ids[i], payload: m.payload, headers: (m.headers as Record<string, string>) ?? {} }] : [],
    );
  }
  if (c.ns !== 'caps' || !['pickup', 'in-transit', 'delivered'].includes(c.event)) return [];
  // A payload that names a delivery may take that delivery's store, and acks it: not followed here.
  if (['id', 'messageId', 'messageID'].some((k) => hasOwn(body, k))) return [];
  const order = capsOrderOf(body);
  const store = [order.store, order.storeName, order.storeId, body.clientId].find((s) => s !== undefined);
  if (c.event !== 'pickup' && !(POOL_ROOMS as readonly unknown[]).includes(store)) return [];
  return [{ id: answer.id, payload: order }];
}

function clip(text: string, max = 400): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

function describeArgs(args: unknown[]): string {
  try {
    // Buffers reach a replacer already as their toJSON() form.
    return clip(JSON.stringify(args, (_k, v) => (v?.type === 'Buffer' && Array.isArray(v.data) ? `<${v.data.length} bytes>` : v)));
  } catch {
    return '(too deep to print)';
  }
}

function report(problems: string[], c: SocketCase, args: unknown[], answer: unknown, judgement: Judgement): string {
  return [
    ...problems,
    `event: /${c.ns} ${JSON.stringify(c.event)} from the socket ${c.who === 1 ? 'with a client id' : 'without a client id'}, ${c.ack ? 'with' : 'without'} a callback`,
    `arguments: ${describeArgs(args)}`,
    `answer: ${answer === undefined ? '(none)' : clip(JSON.stringify(answer))}`,
    `contract: ${judgement.describe()}`,
  ].join('\n');
}
