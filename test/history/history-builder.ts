import type { AckOp, DeadLetterEntry, DeliveryEvent, FaultEvent, History, HistoryEvent, Incarnation, MessageSpec, NackOp, Outcome, PublishOp, PublishVia } from './history.js';
import { makePayload } from './payload.js';
import { Prng } from './prng.js';

/**
 * Hand-made histories for the checker's unit tests: a clock that only moves when told, one node started
 * at the beginning, and shorthands that fill in what a real run would record.
 *
 * @example
 *   const h = new HistoryBuilder();
 *   h.publish(['o1'], { ids: ['m1'] }).deliver('m1', 'o1', 1).ack(['m1']);
 *   checkHistory(h.build()).violations; // []
 */
export class HistoryBuilder {
  now = 1_000_000;
  private seq = 0;
  private readonly events: HistoryEvent[] = [];
  private readonly incarnations: Incarnation[] = [];
  private readonly specs = new Map<string, MessageSpec>();
  private readonly deadLetters: DeadLetterEntry[] = [];
  private readonly current = new Map<number, Incarnation>();
  private drain = { drained: true, detail: 'queues empty' };

  constructor(private readonly config: History['config'] = { ackTimeoutMs: 1500, maxAttempts: 4, answerTimeoutMs: 10_000 }) {
    this.startNode(0);
  }

  /** The incarnation now running on `node`. */
  on(node = 0): string {
    return this.current.get(node)!.id;
  }

  startNode(node: number): string {
    const count = this.incarnations.filter((i) => i.node === node).length;
    const incarnation: Incarnation = { id: `n${node}.${count + 1}`, node, startedAt: this.now };
    this.incarnations.push(incarnation);
    this.current.set(node, incarnation);
    return incarnation.id;
  }

  wait(ms: number): this {
    this.now += ms;
    return this;
  }

  /** Declares how an op was published (channel, members, key, ttl, fate); by default queue `q`, fate normal. */
  spec(op: string, extra: Partial<MessageSpec> = {}): MessageSpec {
    let spec = this.specs.get(op);
    if (!spec) this.specs.set(op, (spec = { op, channel: 'q', fate: 'normal', ...extra }));
    return spec;
  }

  publish(
    ops: string[],
    o: { via?: PublishVia; outcome?: Outcome; ids?: string[]; duplicate?: boolean; recipients?: number; purpose?: PublishOp['purpose']; error?: string; node?: number; noAnswer?: PublishOp['noAnswer'] } = {},
  ): this {
    const outcome = o.outcome ?? 'ok';
    const event: PublishOp = {
      type: 'publish',
      seq: this.seq++,
      actor: 'p1',
      incarnation: this.on(o.node),
      invokedAt: this.now,
      ...(outcome === 'ok' || outcome === 'fail' ? { answeredAt: this.now + 5 } : {}),
      outcome,
      via: o.via ?? (ops.length > 1 ? 'socket-batch' : 'socket'),
      purpose: o.purpose ?? 'first',
      messages: ops.map((op) => this.spec(op)),
      ...(outcome === 'ok' ? { ids: o.ids ?? ops.map((op) => `id-${op}`) } : {}),
      ...(o.duplicate ? { duplicate: true } : {}),
      ...(o.recipients !== undefined ? { recipients: o.recipients } : {}),
      ...(o.error ? { error: o.error } : {}),
      ...(outcome === 'none' ? { noAnswer: o.noAnswer ?? 'disconnected' } : {}),
    };
    this.events.push(event);
    return this.wait(10);
  }

  deliver(id: string, op: string, attempt: number, o: { socket?: string; node?: number; payload?: unknown; channel?: string; publishedAt?: number; headers?: Record<string, string> } = {}): this {
    const spec = this.spec(op);
    const event: DeliveryEvent = {
      type: 'deliver',
      seq: this.seq++,
      actor: 'c1',
      socket: o.socket ?? 'c1#1',
      incarnation: this.on(o.node),
      at: this.now,
      id,
      channel: o.channel ?? spec.channel,
      attempt,
      payload: o.payload ?? this.payloadOf(spec),
      headers: o.headers ?? { 'x-op': op },
      publishedAt: o.publishedAt ?? this.firstPublishOf(op),
    };
    this.events.push(event);
    return this.wait(10);
  }

  ack(ids: string[], o: { outcome?: Outcome; mode?: AckOp['mode']; acked?: number; error?: string; socket?: string; node?: number; late?: AckOp['late'] } = {}): this {
    const outcome = o.outcome ?? 'ok';
    const mode = o.mode ?? (ids.length > 1 ? 'batch' : 'single');
    const event: AckOp = {
      type: 'ack',
      seq: this.seq++,
      actor: 'c1',
      socket: o.socket ?? 'c1#1',
      incarnation: this.on(o.node),
      invokedAt: this.now,
      ...(outcome === 'ok' || outcome === 'fail' ? { answeredAt: this.now + 5 } : {}),
      outcome,
      mode,
      ids,
      ...(mode === 'batch' && outcome === 'ok' ? { acked: o.acked ?? ids.length } : {}),
      ...(o.error ? { error: o.error } : {}),
      ...(o.late ? { late: o.late } : {}),
      ...(outcome === 'none' ? { noAnswer: 'disconnected' as const } : {}),
    };
    this.events.push(event);
    return this.wait(10);
  }

  nack(id: string, requeue: boolean, o: { outcome?: Outcome; error?: string; socket?: string } = {}): this {
    const outcome = o.outcome ?? 'ok';
    const event: NackOp = {
      type: 'nack',
      seq: this.seq++,
      actor: 'c1',
      socket: o.socket ?? 'c1#1',
      incarnation: this.on(),
      invokedAt: this.now,
      ...(outcome === 'ok' || outcome === 'fail' ? { answeredAt: this.now + 5 } : {}),
      outcome,
      id,
      requeue,
      ...(o.error ? { error: o.error } : {}),
      ...(outcome === 'none' ? { noAnswer: 'disconnected' as const } : {}),
    };
    this.events.push(event);
    return this.wait(10);
  }

  socket(socket: string, what: 'connect' | 'disconnect', node = 0): this {
    this.events.push({ type: 'socket', seq: this.seq++, actor: socket.split('#')[0], socket, incarnation: this.on(node), at: this.now, what });
    return this.wait(10);
  }

  /** Stops `node` with `signal` and starts it again. */
  fault(signal: FaultEvent['signal'], o: { node?: number; exitCode?: number | null; tookMs?: number } = {}): this {
    const node = o.node ?? 0;
    const incarnation = this.current.get(node)!;
    const at = this.now;
    const exitedAt = at + (o.tookMs ?? 50);
    incarnation.endedAt = exitedAt;
    incarnation.end = signal;
    this.now = exitedAt + 100;
    this.startNode(node);
    this.events.push({
      type: 'fault',
      seq: this.seq++,
      node,
      incarnation: incarnation.id,
      signal,
      at,
      exitedAt,
      exitCode: o.exitCode === undefined ? (signal === 'SIGTERM' ? 0 : null) : o.exitCode,
      restartedAt: this.now,
    });
    return this.wait(10);
  }

  dead(id: string, op: string, reason: string, attempts: number, o: { payload?: unknown } = {}): this {
    const spec = this.spec(op);
    this.deadLetters.push({ channel: spec.channel, id, payload: o.payload ?? this.payloadOf(spec), attempts, reason, deadLetteredAt: this.now });
    return this.wait(10);
  }

  notDrained(detail: string): this {
    this.drain = { drained: false, detail };
    return this;
  }

  build(): History {
    for (const incarnation of this.current.values()) {
      if (!incarnation.end) Object.assign(incarnation, { end: 'end-of-run', endedAt: this.now });
    }
    return {
      seed: 1,
      store: 'sqlite',
      nodes: 1,
      config: this.config,
      startedAt: 1_000_000,
      endedAt: this.now,
      events: this.events,
      incarnations: this.incarnations,
      channels: ['q'],
      deadLetters: this.deadLetters,
      truncatedDeadLetters: [],
      drain: this.drain,
    };
  }

  /** The payload the driver would have sent for `spec` (the same for the same op). */
  payloadOf(spec: MessageSpec): unknown {
    return makePayload(spec.op, spec.fate, Prng.fork(7, spec.op));
  }

  private firstPublishOf(op: string): number {
    const first = this.events.find((e): e is PublishOp => e.type === 'publish' && e.messages.some((m) => m.op === op));
    return first?.invokedAt ?? this.now;
  }
}
