import { sleep } from '../support/wait-for.js';
import { baseId, copyId } from './history.js';
import type { AckOp, DeliveryEvent, NackOp, SocketEvent } from './history.js';
import { readPayload } from './payload.js';
import type { DriverContext } from './producer.js';
import { Prng } from './prng.js';
import { SocketLink } from './socket-link.js';
import { NAMESPACE } from './workload.js';

type Action = 'ack' | 'batch' | 'slow' | 'nack' | 'ignore' | 'late' | 'reject';

/** Ids gathered for one batch ack at most, and how long they wait for more. */
const BATCH_MAX = 20;
const BATCH_WAIT_MS: [number, number] = [30, 150];
/** A late ack goes this long after the ack timeout of its delivery, so the lease has surely ended. */
const LATE_MARGIN_MS = 1000;

/** A queue consumer (anonymous), or a durable member of the run's room under its client id. */
export type Role = { kind: 'queues' } | { kind: 'member'; clientId: string };

/**
 * A consumer: one socket at a time, subscribed to every queue of the run with a random prefetch (or,
 * as a durable member, joined to the room: its copies come to whichever socket it has now). Each
 * delivery is acked (alone or in a batch, at once or a little later), nacked, ignored until its ack
 * timeout, or acked late on purpose; poison messages are never acked and rejects are nacked with
 * requeue:false. Now and then it disconnects and connects again (to a random node). In drain mode it
 * acks everything it may, and stays connected.
 */
export class Consumer {
  private link: SocketLink | null = null;
  private closing: SocketLink | null = null;
  private links = 0;
  private draining = false;
  private stopped = false;
  private wake: () => void = () => undefined;
  /** Resolves on stop(), whatever the loop is doing then. */
  private readonly stopping = new Promise<void>((resolve) => (this.wake = resolve));
  private batch: { link: SocketLink; ids: string[]; timer: NodeJS.Timeout } | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Resolves once the first socket is subscribed (or joined): a member must be one before the first publish. */
  readonly ready: Promise<void>;
  private becameReady: () => void = () => undefined;

  constructor(
    readonly name: string,
    private readonly ctx: DriverContext,
    private readonly rng: Prng,
    private readonly options: { lifetimeMs: [number, number]; role: Role },
  ) {
    this.ready = new Promise((resolve) => (this.becameReady = resolve));
    if (options.role.kind === 'queues') {
      ctx.workload.onNewQueues((queues) => {
        const link = this.link;
        if (link?.connected && link !== this.closing) void this.subscribe(link, queues);
      });
    }
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const link = await this.open();
      if (!link) break;
      if (await this.enter(link)) {
        this.becameReady();
        let timer: NodeJS.Timeout | undefined;
        const lifetime = new Promise<void>((resolve) => !this.draining && (timer = setTimeout(resolve, this.rng.int(...this.options.lifetimeMs))));
        await Promise.race([link.closed, lifetime, this.stopping]);
        clearTimeout(timer);
      }
      await this.close(link);
      if (!this.stopped) await sleep(this.rng.int(100, 800));
    }
  }

  /** From now on: ack everything that may be acked, no voluntary disconnects. */
  drain(): void {
    this.draining = true;
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Sends the pending batch ack now if it goes to `incarnation` (a process about to get a SIGTERM). */
  burst(incarnation: string): void {
    if (this.batch && this.batch.link.incarnation === incarnation) this.flush();
  }

  private async open(): Promise<SocketLink | null> {
    const { cluster, recorder } = this.ctx;
    while (!this.stopped) {
      const node = this.rng.int(0, cluster.size - 1);
      const name = `${this.name}#${++this.links}`;
      try {
        const { role } = this.options;
        const auth = role.kind === 'member' ? { clientId: role.clientId } : {};
        // The connect event is recorded when the connection opens; a replay may come first, with the handshake.
        const connecting = SocketLink.open(cluster.url(node), NAMESPACE, name, cluster.incarnation(node), auth, (l, m) => this.onMessage(l, m));
        const link = await connecting;
        recorder.record<SocketEvent>({ type: 'socket', actor: this.name, socket: name, incarnation: link.incarnation, at: Date.now(), what: 'connect' });
        void link.closed.then((reason) => recorder.record<SocketEvent>({ type: 'socket', actor: this.name, socket: name, incarnation: link.incarnation, at: Date.now(), what: 'disconnect', detail: reason }));
        this.link = link;
        return link;
      } catch {
        await sleep(this.rng.int(200, 500));
      }
    }
    return null;
  }

  /** Subscribes to every queue, or joins the room (again: joining is idempotent). */
  private async enter(link: SocketLink): Promise<boolean> {
    if (this.options.role.kind === 'queues') return this.subscribe(link, this.ctx.workload.allQueues());
    const room = this.ctx.workload.room;
    const answer = await link.request('join', { room }, this.ctx.answerTimeoutMs);
    const detail = `join ${room}: ${answer.outcome === 'ok' ? 'ok' : answer.outcome === 'fail' ? answer.code : `no answer (${answer.why})`}`;
    this.ctx.recorder.record<SocketEvent>({ type: 'socket', actor: this.name, socket: link.name, incarnation: link.incarnation, at: Date.now(), what: 'subscribe', detail });
    return answer.outcome === 'ok';
  }

  private async subscribe(link: SocketLink, queues: string[]): Promise<boolean> {
    const prefetch = this.rng.int(1, 24);
    for (const queue of queues) {
      if (!link.connected) return false;
      const answer = await link.request('subscribe', { queue, prefetch }, this.ctx.answerTimeoutMs);
      const detail = `${queue} prefetch ${prefetch}: ${answer.outcome === 'ok' ? 'ok' : answer.outcome === 'fail' ? answer.code : `no answer (${answer.why})`}`;
      this.ctx.recorder.record<SocketEvent>({ type: 'socket', actor: this.name, socket: link.name, incarnation: link.incarnation, at: Date.now(), what: 'subscribe', detail });
      if (answer.outcome !== 'ok') return false;
    }
    return true;
  }

  /** A voluntary (or final) disconnect: no new actions, answers of what was sent are awaited first. */
  private async close(link: SocketLink): Promise<void> {
    this.closing = link;
    if (this.batch?.link === link) this.flush();
    await link.settled(this.ctx.answerTimeoutMs);
    link.close();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.link === link) this.link = null;
  }

  private onMessage(link: SocketLink, m: any): void {
    const { role } = this.options;
    // A copy is named after its member, so each member's copies have a history of their own.
    const room = typeof m?.room === 'string' ? m.room : undefined;
    const id = room !== undefined && role.kind === 'member' ? copyId(String(m?.id), role.clientId) : String(m?.id);
    const delivery = this.ctx.recorder.record<DeliveryEvent>({
      type: 'deliver',
      actor: this.name,
      socket: link.name,
      incarnation: link.incarnation,
      at: Date.now(),
      id,
      channel: String(room ?? m?.queue),
      attempt: Number(m?.attempt),
      payload: m?.payload,
      headers: m?.headers,
      publishedAt: Date.parse(m?.publishedAt),
    });
    if (link === this.closing || !link.connected) return;
    this.act(link, delivery, this.choose(readPayload(delivery.payload)?.fate ?? 'normal'));
  }

  private choose(fate: string): Action {
    if (fate === 'reject') return 'reject';
    if (fate === 'poison') return this.draining ? 'nack' : this.rng.pick(['nack', 'ignore'] as const);
    if (this.draining) return this.rng.pick(['ack', 'batch'] as const);
    return this.rng.weighted({ ack: 50, batch: 30, slow: 5, nack: 4, ignore: 4, late: 4, reject: 0 });
  }

  private act(link: SocketLink, d: DeliveryEvent, action: Action): void {
    const { ackTimeoutMs } = this.ctx;
    switch (action) {
      case 'ack':
        return void this.ack(link, [d.id], 'single');
      case 'batch':
        return this.addToBatch(link, d.id);
      case 'slow':
        return this.later(this.rng.int(100, 800), () => this.ack(link, [d.id], 'single'));
      case 'nack': {
        const delayMs = this.rng.chance(0.3) ? this.rng.int(100, 500) : undefined;
        return this.later(this.rng.int(0, 50), () => this.nack(link, d.id, true, delayMs));
      }
      case 'reject':
        return this.later(this.rng.int(0, 50), () => this.nack(link, d.id, false));
      case 'late':
        return this.later(ackTimeoutMs + LATE_MARGIN_MS + this.rng.int(0, 500), () => this.ack(link, [d.id], 'single', { deliveredAt: d.at, attempt: d.attempt }));
      case 'ignore':
        return;
    }
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    this.timers.add(timer);
  }

  private addToBatch(link: SocketLink, id: string): void {
    if (this.batch && this.batch.link !== link) this.flush();
    if (!this.batch) this.batch = { link, ids: [], timer: setTimeout(() => this.flush(), this.rng.int(...BATCH_WAIT_MS)) };
    this.batch.ids.push(id);
    if (this.batch.ids.length >= BATCH_MAX) this.flush();
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = null;
    if (!batch) return;
    clearTimeout(batch.timer);
    void this.ack(batch.link, batch.ids, batch.ids.length === 1 ? 'single' : 'batch');
  }

  private async ack(link: SocketLink, ids: string[], mode: AckOp['mode'], late?: AckOp['late']): Promise<void> {
    if (!link.connected) return;
    const op = this.ctx.recorder.record<AckOp>({ type: 'ack', actor: this.name, socket: link.name, incarnation: link.incarnation, invokedAt: Date.now(), outcome: 'none', mode, ids, ...(late ? { late } : {}) });
    const answer = await link.request('ack', mode === 'single' ? { id: baseId(ids[0]) } : { ids: ids.map(baseId) }, this.ctx.answerTimeoutMs);
    if (answer.outcome === 'ok') Object.assign(op, { outcome: 'ok', answeredAt: answer.at, ...(mode === 'batch' ? { acked: answer.body.acked } : {}) });
    else if (answer.outcome === 'fail') Object.assign(op, { outcome: 'fail', error: answer.code, answeredAt: answer.at });
    else op.noAnswer = answer.why;
  }

  private async nack(link: SocketLink, id: string, requeue: boolean, delayMs?: number): Promise<void> {
    if (!link.connected) return;
    const op = this.ctx.recorder.record<NackOp>({ type: 'nack', actor: this.name, socket: link.name, incarnation: link.incarnation, invokedAt: Date.now(), outcome: 'none', id, requeue });
    const body = { id: baseId(id), requeue, ...(delayMs !== undefined ? { delayMs } : {}) };
    const answer = await link.request('nack', body, this.ctx.answerTimeoutMs);
    if (answer.outcome === 'ok') Object.assign(op, { outcome: 'ok', answeredAt: answer.at });
    else if (answer.outcome === 'fail') Object.assign(op, { outcome: 'fail', error: answer.code, answeredAt: answer.at });
    else op.noAnswer = answer.why;
  }
}
