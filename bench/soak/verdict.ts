import { QueueDepth, EventLoopDelay } from './server.js';
import { MinuteFigures } from './tally.js';

/** One minute of the soak as printed and judged. */
export interface MinuteRecord {
  readonly minute: number;
  readonly client: MinuteFigures;
  readonly rssMb: number;
  readonly loop: EventLoopDelay;
  /** At the minute's end. */
  readonly depth: QueueDepth;
  /** Most ready + delayed + in-flight seen in the minute's 10-s samples. */
  readonly maxDepth: number;
  readonly serverCpuPct: number;
  readonly clientCpuPct: number;
  /** The machine's 1-minute load average at the minute's end: on a busy machine the server waits for a core. */
  readonly loadAverage: number;
}

/** After the load stopped: did everything published come through? */
export interface EndState {
  readonly confirmedPublishes: number;
  /** Confirmed publishes never delivered, with a few sequence numbers. */
  readonly undelivered: { count: number; examples: number[] };
  readonly deliveredAfterAck: number;
  readonly acksRefused: ReadonlyMap<string, number>;
  /** Queue stats once drained (or when the drain gave up). */
  readonly finalDepth: QueueDepth;
  readonly drainedInMs: number | null;
}

export interface Limits {
  readonly rate: number;
  readonly consumers: number;
  readonly prefetch: number;
  readonly minutes: number;
  /** Of the machine, to tell a slow server from a starved one. */
  readonly cores: number;
}

export interface Check {
  readonly name: string;
  /** null: could not be judged on this run (said so in `detail`). */
  readonly pass: boolean | null;
  readonly detail: string;
}

export const LOOP_P99_LIMIT_MS = 50;
export const RSS_GROWTH_LIMIT = 0.1;
/** A minute that published less than this share of its target did not apply the load asked for. */
export const LOAD_SHARE = 0.95;

/** The minute whose end is the RSS baseline: the end of minute 2, or of 10 % of the run if that is later. */
export function warmUpMinutes(minutes: number): number {
  return Math.max(2, Math.ceil(minutes * 0.1));
}

/** Backlog above which the consumers are not keeping up: 10 s of publishes, or twice what they may hold. */
export function depthBound(limits: Limits): number {
  return Math.max(limits.rate * 10, limits.consumers * limits.prefetch * 2);
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const codes = (m: ReadonlyMap<string, number>) => [...m].map(([code, n]) => `${code} ×${n}`).join(', ');

/** Counted over the whole run, drain included (the minutes' counts miss what happened while stopping). */
export interface RunTotals {
  readonly failedPublishes: number;
  readonly publishErrors: ReadonlyMap<string, number>;
  /** Connections the server closed (or refused) without being asked to. */
  readonly drops: number;
}

export function judge(records: readonly MinuteRecord[], totals: RunTotals, end: EndState | null, limits: Limits): Check[] {
  const checks: Check[] = [];
  const target = limits.rate * 60;

  const short = records.filter((r) => r.client.published < target * LOAD_SHARE);
  checks.push({
    name: 'load',
    pass: records.length === 0 ? null : short.length === 0,
    detail: records.length === 0
      ? 'no minute completed'
      : short.length
      ? `published below ${LOAD_SHARE * 100} % of ${target}/min in minute(s) ${short.map((r) => `${r.minute} (${r.client.published})`).join(', ')}`
      : `every minute published at least ${LOAD_SHARE * 100} % of ${target}`,
  });

  checks.push({
    name: 'publishes',
    pass: totals.failedPublishes === 0,
    detail: totals.failedPublishes === 0 ? 'none failed' : `${totals.failedPublishes} failed (${codes(totals.publishErrors)})`,
  });
  checks.push({
    name: 'connections',
    pass: totals.drops === 0,
    detail: totals.drops === 0 ? 'no connection lost or refused other than the planned reconnects' : `${totals.drops} connections lost or refused unasked`,
  });

  const worst = records.reduce<MinuteRecord | null>((w, r) => (!w || r.loop.p99Ms > w.loop.p99Ms ? r : w), null);
  const slow = records.filter((r) => r.loop.p99Ms > LOOP_P99_LIMIT_MS);
  const busy = slow.filter((r) => r.loadAverage > limits.cores);
  checks.push({
    name: 'event loop',
    pass: worst ? slow.length === 0 : null,
    detail: worst
      ? `worst p99 ${fmt(worst.loop.p99Ms)} ms (minute ${worst.minute}), limit ${LOOP_P99_LIMIT_MS} ms; worst max ${fmt(Math.max(...records.map((r) => r.loop.maxMs)))} ms` +
        (slow.length ? `; over the limit in minute(s) ${slow.map((r) => r.minute).join(', ')}` : '') +
        (busy.length ? `; load average above ${limits.cores} cores in minute(s) ${busy.map((r) => `${r.minute} (${r.loadAverage.toFixed(1)})`).join(', ')}: the delay includes waiting for a core` : '')
      : 'no minute completed',
  });

  const w = warmUpMinutes(limits.minutes);
  const base = records.find((r) => r.minute === w);
  const last = records[records.length - 1];
  if (!base || !last || last.minute <= w) {
    checks.push({ name: 'RSS', pass: null, detail: `not judged: needs a run past the warm-up (end of minute ${w}); ${records.length} minute(s) completed` });
  } else {
    const growth = last.rssMb / base.rssMb - 1;
    checks.push({
      name: 'RSS',
      pass: growth <= RSS_GROWTH_LIMIT,
      detail: `${fmt(base.rssMb)} MB at the end of minute ${w} → ${fmt(last.rssMb)} MB at the end of minute ${last.minute} (${growth >= 0 ? '+' : ''}${fmt(growth * 100)} %, limit +${RSS_GROWTH_LIMIT * 100} %)`,
    });
  }

  const bound = depthBound(limits);
  const deepest = records.reduce((m, r) => Math.max(m, r.maxDepth), 0);
  const deep = records.filter((r) => r.maxDepth > bound);
  const drained = end?.drainedInMs ?? null;
  checks.push({
    name: 'depth',
    pass: records.length === 0 ? null : deep.length === 0 && (end === null || drained !== null),
    detail:
      `most ready+delayed+inFlight ${deepest} (bound ${bound})` +
      (deep.length ? `; over the bound in minute(s) ${deep.map((r) => r.minute).join(', ')}` : '') +
      (end === null ? '; drain not run' : drained !== null ? `; drained to 0 in ${fmt(drained / 1000)} s` : `; not drained: ${depthText(end.finalDepth)}`),
  });

  if (end) {
    const problems: string[] = [];
    if (end.undelivered.count) problems.push(`${end.undelivered.count} confirmed publishes not delivered by the end of the drain (seq ${end.undelivered.examples.join(', ')}…)`);
    if (end.deliveredAfterAck) problems.push(`${end.deliveredAfterAck} deliveries after a confirmed ack`);
    if (end.acksRefused.size) problems.push(`acks refused on the socket holding the message: ${codes(end.acksRefused)}`);
    if (end.finalDepth.deadLettered) problems.push(`${end.finalDepth.deadLettered} dead-lettered`);
    if (end.finalDepth.published < end.confirmedPublishes) problems.push(`server counts ${end.finalDepth.published} published, fewer than ${end.confirmedPublishes} confirmed`);
    if (drained !== null && end.finalDepth.acked !== end.finalDepth.published) problems.push(`server counts ${end.finalDepth.acked} acked of ${end.finalDepth.published} published after the drain`);
    checks.push({
      name: 'delivery',
      pass: problems.length === 0,
      detail: problems.length ? problems.join('; ') : `all ${end.confirmedPublishes} confirmed publishes delivered and acked; server: ${depthText(end.finalDepth)}`,
    });
  }
  return checks;
}

export function depthText(d: QueueDepth): string {
  return `ready ${d.ready}, inFlight ${d.inFlight}, delayed ${d.delayed}, deadLettered ${d.deadLettered}, published ${d.published}, acked ${d.acked}`;
}
