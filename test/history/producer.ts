import { sleep } from '../support/wait-for.js';
import type { PublishOp, PublishVia, SocketEvent } from './history.js';
import { Prng } from './prng.js';
import { Cluster, Recorder } from './recorder.js';
import { postJson } from './rest-client.js';
import { SocketLink } from './socket-link.js';
import { Draft, messageBody, NAMESPACE, Workload } from './workload.js';

export interface DriverContext {
  recorder: Recorder;
  cluster: Cluster;
  workload: Workload;
  answerTimeoutMs: number;
  ackTimeoutMs: number;
}

interface Task {
  via: PublishVia;
  purpose: PublishOp['purpose'];
  drafts: Draft[];
  tries: number;
}

/** Most tries of one keyed publish whose earlier tries went unanswered or were refused. */
const MAX_TRIES = 6;

/**
 * A producer: publishes over REST (single and batch) and over its own socket (`publish` and
 * `publishBatch`), with up to `window` operations in flight. A keyed publish left unanswered is tried
 * again with the same key and payload; a confirmed key is sometimes published again (it must dedup).
 */
export class Producer {
  private link: SocketLink | null = null;
  private connecting = false;
  private links = 0;
  private count = 0;
  private stopped = false;
  private readonly active = new Set<Promise<void>>();
  private readonly followUps: (Task & { dueAt: number })[] = [];

  constructor(
    readonly name: string,
    private readonly ctx: DriverContext,
    private readonly rng: Prng,
    private readonly options: { window: number; paceMs: [number, number] },
  ) {}

  /** Publishes until stop(), then waits for the answers still due. */
  async run(): Promise<void> {
    this.connect();
    while (!this.stopped) {
      if (this.active.size < this.options.window) this.start(this.nextTask());
      await sleep(this.rng.int(...this.options.paceMs));
    }
    await Promise.all(this.active);
  }

  stop(): void {
    this.stopped = true;
  }

  /** After the faults: every retry and republish still owed, with all nodes up, then the socket closes. */
  async finish(): Promise<void> {
    for (let round = 0; round < MAX_TRIES && this.followUps.length; round++) {
      const tasks = this.followUps.splice(0);
      for (const task of tasks) await this.perform({ ...task, via: task.via.startsWith('socket') && !this.link?.connected ? 'rest' : task.via });
    }
    await this.link?.settled(this.ctx.answerTimeoutMs);
    this.link?.close();
  }

  /** Sends `count` operations at once to `node` (just before it gets a SIGTERM). */
  burst(node: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const task = this.freshTask(this.rng.weighted({ socket: 40, 'socket-batch': 30, rest: 15, 'rest-batch': 15 }));
      if (task.via.startsWith('socket') && this.link?.incarnation !== this.ctx.cluster.incarnation(node)) continue;
      this.start(task, node);
    }
  }

  private start(task: Task, node?: number): void {
    const done: Promise<void> = this.perform(task, node).finally(() => this.active.delete(done));
    this.active.add(done);
  }

  private nextTask(): Task {
    const now = Date.now();
    const due = this.followUps.findIndex((f) => f.dueAt <= now);
    if (due >= 0) return this.followUps.splice(due, 1)[0];
    const kind = this.rng.weighted({ rest: 30, 'rest-batch': 15, socket: 35, 'socket-batch': 20, room: 18 });
    return kind === 'room' ? this.freshTask(this.rng.pick(['rest', 'socket'] as const), true) : this.freshTask(kind);
  }

  private freshTask(via: PublishVia, toRoom = false): Task {
    const { workload } = this.ctx;
    const single = via === 'rest' || via === 'socket';
    const channel = toRoom ? workload.room : this.rng.pick(workload.currentQueues());
    const size = single ? 1 : this.rng.int(2, 20);
    const drafts = Array.from({ length: size }, () => workload.draft(`${this.name}.${++this.count}`, channel, this.rng, single, toRoom));
    return { via, purpose: 'first', drafts, tries: 1 };
  }

  private async perform(task: Task, node?: number): Promise<void> {
    let via = task.via;
    if (via.startsWith('socket') && !this.link?.connected) {
      this.connect();
      via = via === 'socket' ? 'rest' : 'rest-batch';
    }
    const op = via.startsWith('rest') ? await this.viaRest(task, via, node) : await this.viaSocket(task, via);
    this.followUp(task, op);
  }

  private async viaRest(task: Task, via: PublishVia, target?: number): Promise<PublishOp> {
    const { cluster } = this.ctx;
    const node = target ?? this.rng.int(0, cluster.size - 1);
    const { channel, members } = task.drafts[0].spec;
    const bodies = task.drafts.map(messageBody);
    // Half the keyed REST publishes give the key as the Idempotency-Key header instead (contract §4).
    const headers: Record<string, string> = {};
    if (via === 'rest' && typeof bodies[0].key === 'string' && this.rng.chance(0.5)) {
      headers['idempotency-key'] = bodies[0].key;
      delete bodies[0].key;
    }
    const op = this.record(task, via, this.name, cluster.incarnation(node));
    const path = `/api/namespaces/${NAMESPACE}/${members ? 'rooms' : 'queues'}/${channel}/messages`;
    const answer = await postJson(cluster.url(node), path, via === 'rest' ? bodies[0] : { messages: bodies }, this.ctx.answerTimeoutMs, headers);
    if ('refused' in answer) op.outcome = 'refused';
    else if ('none' in answer) op.noAnswer = answer.none;
    else if (answer.status === 201) complete(op, answer.body, answer.at);
    else Object.assign(op, { outcome: 'fail', error: String(answer.status), answeredAt: answer.at });
    return op;
  }

  private async viaSocket(task: Task, via: PublishVia): Promise<PublishOp> {
    const link = this.link!;
    const { channel, members } = task.drafts[0].spec;
    const bodies = task.drafts.map(messageBody);
    const op = this.record(task, via, link.name, link.incarnation);
    const target = members ? { room: channel } : { queue: channel };
    const answer = via === 'socket' ? await link.request('publish', { ...target, ...bodies[0] }, this.ctx.answerTimeoutMs) : await link.request('publishBatch', { queue: channel, messages: bodies }, this.ctx.answerTimeoutMs);
    if (answer.outcome === 'ok') complete(op, answer.body, answer.at);
    else if (answer.outcome === 'fail') Object.assign(op, { outcome: 'fail', error: answer.code, answeredAt: answer.at });
    else op.noAnswer = answer.why;
    return op;
  }

  /** `actor`: the producer for REST, its socket for socket publishes. */
  private record(task: Task, via: PublishVia, actor: string, incarnation: string): PublishOp {
    return this.ctx.recorder.record<PublishOp>({
      type: 'publish',
      actor,
      incarnation,
      invokedAt: Date.now(),
      outcome: 'none',
      via,
      purpose: task.purpose,
      messages: task.drafts.map((d) => d.spec),
    });
  }

  /** Keyed single publishes: unanswered or refused → try again; confirmed → sometimes publish again. */
  private followUp(task: Task, op: PublishOp): void {
    const draft = task.drafts[0];
    if (task.drafts.length !== 1 || draft.spec.key === undefined) return;
    const via = this.rng.pick(['rest', 'socket'] as const);
    if (op.outcome !== 'ok' && task.purpose !== 'republish' && task.tries < MAX_TRIES) {
      this.followUps.push({ via, purpose: 'retry', drafts: task.drafts, tries: task.tries + 1, dueAt: Date.now() + this.rng.int(300, 2000) });
    } else if (op.outcome === 'ok' && task.purpose !== 'republish' && this.rng.chance(0.15)) {
      this.followUps.push({ via, purpose: 'republish', drafts: task.drafts, tries: 1, dueAt: Date.now() + this.rng.int(200, 5000) });
    }
  }

  /** Opens a socket in the background (to a random node), again and again until one connects. */
  private connect(): void {
    if (this.connecting || this.stopped || this.link?.connected) return;
    this.connecting = true;
    void (async () => {
      const { cluster, recorder } = this.ctx;
      while (!this.stopped) {
        const node = this.rng.int(0, cluster.size - 1);
        const name = `${this.name}#${++this.links}`;
        try {
          const link = await SocketLink.open(cluster.url(node), NAMESPACE, name, cluster.incarnation(node));
          if (this.stopped) {
            link.close();
            break;
          }
          this.link = link;
          recorder.record<SocketEvent>({ type: 'socket', actor: this.name, socket: name, incarnation: link.incarnation, at: Date.now(), what: 'connect' });
          void link.closed.then((reason) => {
            recorder.record<SocketEvent>({ type: 'socket', actor: this.name, socket: name, incarnation: link.incarnation, at: Date.now(), what: 'disconnect', detail: reason });
            if (!this.stopped) setTimeout(() => this.connect(), this.rng.int(100, 500));
          });
          break;
        } catch {
          await sleep(this.rng.int(200, 500));
        }
      }
      this.connecting = false;
    })();
  }
}

/** Fills in a success answer: `{ id, duplicate?, recipients? }` or `{ ids }`. */
function complete(op: PublishOp, body: any, at: number): void {
  const ids = Array.isArray(body?.ids) ? body.ids.map(String) : typeof body?.id === 'string' ? [body.id] : undefined;
  const recipients = typeof body?.recipients === 'number' ? { recipients: body.recipients } : {};
  Object.assign(op, { outcome: 'ok', answeredAt: at, ids, ...recipients, ...(body?.duplicate === true ? { duplicate: true } : {}) });
}
