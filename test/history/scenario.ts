import type { Redis } from 'ioredis';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTestRedis, deleteByPrefix, ensureBuilt, freePort, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { sleep } from '../support/wait-for.js';
import { Consumer } from './consumer.js';
import { planFaults } from './faults.js';
import { LagMonitor } from './lag-monitor.js';
import { copyId } from './history.js';
import type { DeadLetterEntry, History } from './history.js';
import { DriverContext, Producer } from './producer.js';
import { Prng } from './prng.js';
import { Cluster, Recorder } from './recorder.js';
import { getJson } from './rest-client.js';
import { ServerProcess } from './server-process.js';
import { NAMESPACE, Workload } from './workload.js';

export interface ScenarioOptions {
  store: 'sqlite' | 'redis';
  seed: number;
  /** How long producers publish and faults strike; the drain comes after. */
  chaosMs: number;
  nodes: number;
  sigkills: number;
  sigterms: number;
  producers: number;
  consumers: number;
  /** Durable members of the run's room (each one more consumer, under its client id). */
  members: number;
  ackTimeoutMs?: number;
  maxAttempts?: number;
  /** A new pair of queues this often (keeps every dead-letter list under one listing). */
  generationMs?: number;
  drainTimeoutMs?: number;
  /** The whole run (after the build) must end within this, or it is torn down and fails. */
  deadlineMs?: number;
  /** Progress lines (long runs). */
  progress?: (line: string) => void;
}

/** Operations answered later than this count as unanswered. */
const ANSWER_TIMEOUT_MS = 10_000;
/** How often writes are sent to a node around its SIGTERM. */
const SHUTDOWN_PRESS_MS = 5;
/** The longest dead-letter listing (contract §4). */
const DEAD_LETTER_LIMIT = 1000;

/**
 * One run against real `node dist/main.js` processes: consumers and producers on every node, faults
 * on the planned schedule, then a drain, then the dead-letter lists. Returns the recorded history for
 * the checker. Every process, directory and Redis key it made is gone when it returns or throws, also
 * when it overruns `deadlineMs` (then it throws, naming the phase it was stuck in).
 */
export async function runScenario(o: ScenarioOptions): Promise<History> {
  await ensureBuilt();
  const run = new Run(o);
  let timer: NodeJS.Timeout | undefined;
  const deadlineMs = o.deadlineMs ?? o.chaosMs + 120_000;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`history run (seed ${o.seed}, ${o.store}) still in phase "${run.phase}" after ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([run.execute(), watchdog]);
  } finally {
    clearTimeout(timer);
    await run.tearDown();
  }
}

class Run {
  phase = 'starting';
  private readonly ackTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'courier-history-'));
  private readonly prefix = uniquePrefix();
  private readonly recorder = new Recorder();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly lag = new LagMonitor();
  private redis: Redis | null = null;
  private cluster: Cluster | null = null;
  private producers: Producer[] = [];
  private consumers: Consumer[] = [];

  constructor(private readonly o: ScenarioOptions) {
    this.ackTimeoutMs = o.ackTimeoutMs ?? 1500;
    this.maxAttempts = o.maxAttempts ?? 4;
  }

  async execute(): Promise<History> {
    const { o, recorder } = this;
    if (o.store === 'redis') this.redis = await connectTestRedis();
    const nodes = await this.startNodes();
    const startedAt = Date.now();
    const members = Array.from({ length: o.members }, (_, i) => `hist-m${i + 1}`);
    const workload = new Workload(2, o.generationMs ?? 60_000, members);
    const ctx: DriverContext = { recorder, cluster: nodes, workload, answerTimeoutMs: ANSWER_TIMEOUT_MS, ackTimeoutMs: this.ackTimeoutMs };
    const lifetimeMs: [number, number] = [4000, 15_000];
    this.consumers = [
      ...Array.from({ length: o.consumers }, (_, i) => new Consumer(`c${i + 1}`, ctx, Prng.fork(o.seed, `c${i + 1}`), { lifetimeMs, role: { kind: 'queues' } })),
      ...members.map((clientId, i) => new Consumer(`m${i + 1}`, ctx, Prng.fork(o.seed, `m${i + 1}`), { lifetimeMs, role: { kind: 'member', clientId } })),
    ];
    this.producers = Array.from({ length: o.producers }, (_, i) => new Producer(`p${i + 1}`, ctx, Prng.fork(o.seed, `p${i + 1}`), { window: 3, paceMs: [60, 250] }));
    const consuming = this.consumers.map((c) => c.run());
    // Every member joined before the first room publish, so each publish must reach all of them.
    this.phase = 'members joining';
    await Promise.all(this.consumers.map((c) => c.ready));
    const producing = this.producers.map((p) => p.run());
    this.timers.push(setInterval(() => workload.nextGeneration(), workload.generationMs));
    if (o.progress) this.timers.push(setInterval(() => o.progress!(progressLine(recorder, startedAt)), 10_000));
    try {
      this.phase = 'faults';
      await this.faults(nodes, startedAt);
      await sleep(startedAt + o.chaosMs - Date.now());
    } finally {
      for (const p of this.producers) p.stop();
      this.phase = 'waiting for the last publishes';
      await Promise.all(producing);
    }
    this.phase = 'retrying unanswered keyed publishes';
    await Promise.all(this.producers.map((p) => p.finish()));
    this.phase = 'draining';
    for (const c of this.consumers) c.drain();
    const drain = await drainQueues(nodes, workload.allQueues(), o.drainTimeoutMs ?? 60_000, this.ackTimeoutMs);
    if (drain.drained) Object.assign(drain, await quietRoom(recorder, o.drainTimeoutMs ?? 60_000, this.ackTimeoutMs, drain.detail));
    this.phase = 'closing consumers';
    for (const c of this.consumers) c.stop();
    await Promise.all(consuming);
    this.phase = 'reading dead letters';
    const { deadLetters, truncated } = await readDeadLetters(nodes, workload.allQueues(), workload.room);
    this.phase = 'stopping nodes';
    await nodes.stopAll();
    return {
      seed: o.seed,
      store: o.store,
      nodes: o.nodes,
      config: { ackTimeoutMs: this.ackTimeoutMs, maxAttempts: this.maxAttempts, answerTimeoutMs: ANSWER_TIMEOUT_MS, driverLagMs: this.lag.maxLagMs },
      startedAt,
      endedAt: Date.now(),
      events: recorder.events,
      incarnations: nodes.incarnations,
      channels: [...workload.allQueues(), workload.room],
      deadLetters,
      truncatedDeadLetters: truncated,
      drain,
    };
  }

  async tearDown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.lag.stop();
    for (const actor of [...this.producers, ...this.consumers]) actor.stop();
    await this.cluster?.killAll();
    if (this.redis) {
      await deleteByPrefix(this.redis, this.prefix);
      this.redis.disconnect();
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async startNodes(): Promise<Cluster> {
    const { o } = this;
    const servers: ServerProcess[] = [];
    for (let node = 0; node < o.nodes; node++) {
      const nodeDir = join(this.dataDir, `node${node}`);
      mkdirSync(nodeDir);
      const env: Record<string, string> = { STORE: o.store, DATA_DIR: nodeDir, ACK_TIMEOUT_MS: String(this.ackTimeoutMs), MAX_ATTEMPTS: String(this.maxAttempts) };
      if (o.store === 'redis') Object.assign(env, { REDIS_URL, REDIS_PREFIX: this.prefix });
      servers.push(new ServerProcess(await freePort(), env));
    }
    const cluster = new Cluster(servers, this.recorder);
    this.cluster = cluster;
    await Promise.all(servers.map((_, node) => cluster.start(node)));
    return cluster;
  }

  private async faults(nodes: Cluster, startedAt: number): Promise<void> {
    const { o } = this;
    for (const fault of planFaults(o.seed, o.chaosMs, o.nodes, o.sigkills, o.sigterms)) {
      await sleep(startedAt + fault.atMs - Date.now());
      this.phase = `${fault.signal} of node ${fault.node}`;
      o.progress?.(`${fault.signal} node ${fault.node} at +${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
      if (fault.signal === 'SIGKILL') {
        await nodes.fault(fault.node, 'SIGKILL', fault.downMs);
        continue;
      }
      // Writes in flight when the signal lands and while the node shuts down: each must be answered
      // before its socket closes, or not be stored.
      const incarnation = nodes.incarnation(fault.node);
      const press = () => {
        for (const p of this.producers) p.burst(fault.node, 1);
        for (const c of this.consumers) c.burst(incarnation);
      };
      const before = setInterval(press, SHUTDOWN_PRESS_MS);
      await sleep(50);
      clearInterval(before);
      await nodes.fault(fault.node, 'SIGTERM', fault.downMs, () => {
        const during = setInterval(press, SHUTDOWN_PRESS_MS);
        return () => clearInterval(during);
      });
    }
    this.phase = 'faults done';
  }
}

/** Waits until no queue of the run has a ready, delayed or in-flight message (twice, a second apart). */
async function drainQueues(cluster: Cluster, queues: string[], timeoutMs: number, ackTimeoutMs: number): Promise<History['drain']> {
  const until = Date.now() + timeoutMs;
  let calm = 0;
  let detail = '';
  while (Date.now() < until) {
    const stats: any[] = await getJson(cluster.url(0), `/api/namespaces/${NAMESPACE}/queues`).catch(() => []);
    const ours = stats.filter((s) => queues.includes(s.name));
    const left = ours.reduce((n, s) => n + s.ready + s.inFlight + s.delayed, 0);
    detail = ours.map((s) => `${s.name}: ready ${s.ready} inFlight ${s.inFlight} delayed ${s.delayed} deadLettered ${s.deadLettered}`).join('; ');
    calm = left === 0 && ours.length > 0 ? calm + 1 : 0;
    // Two empty looks a second apart, after the last late ack could have been sent.
    if (calm >= 2) return { drained: true, detail };
    await sleep(calm ? 1000 : Math.min(500, ackTimeoutMs));
  }
  return { drained: false, detail: `after ${timeoutMs} ms: ${detail}` };
}

/**
 * Room copies have no stats to wait on (§4 lists members, not backlogs): the room counts as drained when
 * no copy was delivered for two ack timeouts and a second, the longest a held copy takes to come back.
 */
async function quietRoom(recorder: Recorder, timeoutMs: number, ackTimeoutMs: number, detail: string): Promise<History['drain']> {
  const quietMs = 2 * ackTimeoutMs + 1000;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const last = lastCopyDelivery(recorder);
    if (Date.now() - last >= quietMs) return { drained: true, detail: `${detail}; room: no copy delivered for ${Date.now() - last} ms` };
    await sleep(quietMs - (Date.now() - last));
  }
  return { drained: false, detail: `${detail}; room: copies still delivered after ${timeoutMs} ms` };
}

function lastCopyDelivery(recorder: Recorder): number {
  for (let i = recorder.events.length - 1; i >= 0; i--) {
    const e = recorder.events[i];
    if (e.type === 'deliver' && e.id.includes('@')) return e.at;
  }
  return 0;
}

async function readDeadLetters(cluster: Cluster, queues: string[], room: string): Promise<{ deadLetters: DeadLetterEntry[]; truncated: string[] }> {
  const deadLetters: DeadLetterEntry[] = [];
  const truncated: string[] = [];
  const lists = [...queues.map((name) => ({ name, kind: 'queues' })), { name: room, kind: 'rooms' }];
  for (const { name, kind } of lists) {
    const list: any[] = await getJson(cluster.url(0), `/api/namespaces/${NAMESPACE}/${kind}/${name}/dead-letters?limit=${DEAD_LETTER_LIMIT}`).catch((error: Error) => {
      // A queue nobody published to before a crash may not exist; anything else is worth seeing.
      if (/: 404 /.test(error.message)) return [];
      throw error;
    });
    if (list.length >= DEAD_LETTER_LIMIT) truncated.push(name);
    for (const d of list) {
      const id = kind === 'rooms' ? copyId(String(d.id), String(d.clientId)) : String(d.id);
      deadLetters.push({ channel: name, id, payload: d.payload, attempts: d.attempts, reason: d.reason, deadLetteredAt: Date.parse(d.deadLetteredAt) });
    }
  }
  return { deadLetters, truncated };
}

function progressLine(recorder: Recorder, startedAt: number): string {
  const counts: Record<string, number> = {};
  for (const e of recorder.events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return `+${((Date.now() - startedAt) / 1000).toFixed(0)}s ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')}`;
}
