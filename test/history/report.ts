import type { CheckResult, Violation } from './checker.js';
import type { DeadLetterEntry, History, HistoryEvent } from './history.js';
import { baseId } from './history.js';
import { claimedOp } from './payload.js';

/** Violations printed with their whole history; the rest are counted. */
const FULL_VIOLATIONS = 25;
/** Lines of one message's history kept (the start and the end, where the interesting part usually is). */
const MAX_LINES = 80;

/** The printed report: counts, then every violation with the history of the messages it is about. */
export function formatReport(history: History, result: CheckResult): string {
  const lines: string[] = [];
  const seconds = ((history.endedAt - history.startedAt) / 1000).toFixed(1);
  lines.push(`history check: store=${history.store} nodes=${history.nodes} seed=${history.seed} (replay: HISTORY_SEED=${history.seed}) ran ${seconds} s`);
  lines.push(`  config: ACK_TIMEOUT_MS=${history.config.ackTimeoutMs} MAX_ATTEMPTS=${history.config.maxAttempts}; driver stalled at most ${history.config.driverLagMs ?? 0} ms; queues and rooms: ${history.channels.join(', ')}`);
  lines.push(`  operations: ${sum(result.operations)} (${Object.entries(result.operations).sort().map(([k, n]) => `${k}: ${n}`).join('; ')})`);
  lines.push(`  crashes: ${result.sigkills} SIGKILL, ${result.sigterms} SIGTERM (${history.incarnations.length} node starts)`);
  lines.push(`  messages checked: ${result.messagesChecked} confirmed publishes, ${result.storedIds} message ids, ${result.deliveries} deliveries, ${result.redeliveries} redeliveries`);
  lines.push(`  duplicates (one publish under two ids, or a key answering a new id): ${result.duplicates}`);
  lines.push(`  dead letters: ${JSON.stringify(result.deadLetters)}${history.truncatedDeadLetters.length ? `; lists full (not all read): ${history.truncatedDeadLetters.join(', ')}` : ''}`);
  const { unansweredStored, unansweredNotStored, answeredWithError, errorSentBeforeSignal } = result.shutdown;
  lines.push(`  around SIGTERM: unanswered and stored ${unansweredStored} (violations), unanswered and not stored ${unansweredNotStored} (allowed), answered with an error ${answeredWithError} (${errorSentBeforeSignal} of them sent before the signal)`);
  lines.push(`  drain: ${history.drain.drained ? 'complete' : 'INCOMPLETE'}: ${history.drain.detail}`);
  const byKind = new Map<string, number>();
  for (const v of result.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
  lines.push(`  violations: ${result.violations.length}${byKind.size ? ` (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`);
  const faults = history.events.filter((e) => e.type === 'fault');
  if (result.violations.length && faults.length) {
    lines.push('  faults:');
    for (const f of faults) lines.push(`    ${describe(f, history.startedAt)}`);
  }
  result.violations.slice(0, FULL_VIOLATIONS).forEach((v, i) => {
    lines.push('', `violation ${i + 1}/${result.violations.length} [${v.kind}] ${v.detail}`);
    lines.push(...storyOf(history, v).map((l) => `    ${l}`));
  });
  if (result.violations.length > FULL_VIOLATIONS) lines.push('', `… ${result.violations.length - FULL_VIOLATIONS} more violations not printed in full:`, ...result.violations.slice(FULL_VIOLATIONS).map((v) => `  [${v.kind}] ${v.detail}`));
  return lines.join('\n');
}

/** Every recorded event that mentions one of the violation's message ids or op ids, in time order. */
export function storyOf(history: History, v: Violation): string[] {
  const ids = new Set(v.ids);
  const ops = new Set(v.ops);
  // Ids of the same ops are part of the story too (a duplicate's other id).
  for (const event of history.events) {
    if (event.type === 'publish') event.messages.forEach((m, i) => ops.has(m.op) && event.ids?.[i] !== undefined && ids.add(event.ids[i]));
    if (event.type === 'deliver' && ops.has(claimedOp(event.payload) ?? '')) ids.add(event.id);
  }
  const mentioned = new Set(history.events.filter((e) => mentions(e, ids, ops)));
  // The connects and disconnects of the sockets involved tell when a delivery was lost with its socket.
  const sockets = new Set([...mentioned].flatMap((e) => ('socket' in e ? [e.socket] : [])));
  const related = history.events.filter((e) => mentioned.has(e) || (e.type === 'socket' && e.what !== 'subscribe' && sockets.has(e.socket)));
  const dead = history.deadLetters.filter((d) => ids.has(d.id) || ids.has(baseId(d.id)) || ops.has(claimedOp(d.payload) ?? ''));
  const stamped: [number, string][] = related.map((e) => [timeOf(e), describe(e, history.startedAt)]);
  for (const d of dead) stamped.push([d.deadLetteredAt, describeDead(d, history.startedAt)]);
  stamped.sort((a, b) => a[0] - b[0]);
  const lines = stamped.map(([, l]) => l);
  if (lines.length === 0) return ['(no recorded event mentions it)'];
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES / 2), `… ${lines.length - MAX_LINES} lines …`, ...lines.slice(-MAX_LINES / 2)];
}

function mentions(e: HistoryEvent, ids: Set<string>, ops: Set<string>): boolean {
  switch (e.type) {
    case 'publish':
      return e.messages.some((m) => ops.has(m.op)) || (e.ids ?? []).some((id) => ids.has(id));
    case 'deliver':
      return ids.has(e.id) || ids.has(baseId(e.id));
    case 'ack':
      return e.ids.some((id) => ids.has(id) || ids.has(baseId(id)));
    case 'nack':
      return ids.has(e.id) || ids.has(baseId(e.id));
    default:
      return false;
  }
}

function timeOf(e: HistoryEvent): number {
  return e.type === 'deliver' || e.type === 'socket' || e.type === 'fault' ? e.at : e.invokedAt;
}

function rel(at: number | undefined, t0: number): string {
  return at === undefined ? '?' : `+${((at - t0) / 1000).toFixed(3)}s`;
}

/** One line for one event: when, where, what, and how it was answered. */
export function describe(e: HistoryEvent, t0: number): string {
  switch (e.type) {
    case 'publish': {
      const what = e.messages.map((m) => `${m.op}${m.key ? ` key=${m.key}` : ''}${m.ttlMs ? ` ttl=${m.ttlMs}` : ''}${m.delayMs ? ` delay=${m.delayMs}` : ''}${m.fate !== 'normal' ? ` ${m.fate}` : ''}`);
      const shown = what.length > 4 ? `${what.slice(0, 3).join(', ')}, … (${what.length} messages)` : what.join(', ');
      return `${rel(e.invokedAt, t0)} #${e.seq} ${e.actor}@${e.incarnation} publish ${e.via}${e.purpose === 'first' ? '' : ` (${e.purpose})`} [${shown}] to ${e.messages[0]?.members ? 'room ' : ''}${e.messages[0]?.channel} → ${answer(e, t0)}${e.recipients !== undefined ? ` recipients=${e.recipients}` : ''}${e.ids ? ` ids=${e.ids.length > 4 ? `${e.ids.slice(0, 3).join(',')},…` : e.ids.join(',')}` : ''}${e.duplicate ? ' duplicate' : ''}`;
    }
    case 'ack':
      return `${rel(e.invokedAt, t0)} #${e.seq} ${e.socket}@${e.incarnation} ack ${e.mode}${e.late ? ` LATE (attempt ${e.late.attempt} received ${rel(e.late.deliveredAt, t0)})` : ''} ${e.ids.length > 4 ? `${e.ids.length} ids` : e.ids.join(',')} → ${answer(e, t0)}${e.acked !== undefined ? ` acked=${e.acked}` : ''}`;
    case 'nack':
      return `${rel(e.invokedAt, t0)} #${e.seq} ${e.socket}@${e.incarnation} nack ${e.id} requeue:${e.requeue} → ${answer(e, t0)}`;
    case 'deliver':
      return `${rel(e.at, t0)} #${e.seq} ${e.socket}@${e.incarnation} got ${e.id} attempt ${e.attempt} from ${e.channel} (published ${rel(e.publishedAt, t0)})`;
    case 'socket':
      return `${rel(e.at, t0)} #${e.seq} ${e.socket}@${e.incarnation} ${e.what}${e.detail ? ` ${e.detail}` : ''}`;
    case 'fault':
      return `${rel(e.at, t0)} #${e.seq} ${e.signal} ${e.incarnation}: exited ${rel(e.exitedAt, t0)} code ${e.exitCode}${e.restartedAt ? `, restarted ${rel(e.restartedAt, t0)}` : ''}`;
  }
}

function answer(e: { outcome: string; error?: string; answeredAt?: number; noAnswer?: string }, t0: number): string {
  if (e.outcome === 'ok') return `ok ${rel(e.answeredAt, t0)}`;
  if (e.outcome === 'fail') return `${e.error} ${rel(e.answeredAt, t0)}`;
  if (e.outcome === 'none') return `NO ANSWER (${e.noAnswer ?? '?'})`;
  return 'refused (not sent)';
}

function describeDead(d: DeadLetterEntry, t0: number): string {
  return `${rel(d.deadLetteredAt, t0)} dead letter ${d.id} in ${d.channel}: reason ${d.reason}, attempts ${d.attempts}`;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
