import { baseId, copyId } from './history.js';
import type { AckOp, DeadLetterEntry, DeliveryEvent, History, Incarnation, MessageSpec, NackOp, PublishOp } from './history.js';
import { claimedOp, readPayload } from './payload.js';

/**
 * The checker: pure functions from a recorded History to the violations of contract §1–§3 it shows.
 * Nothing here talks to a server, so every rule can be shown to fire on a hand-made history.
 */

export type ViolationKind =
  /** A confirmed publish that was neither acked nor dead-lettered. */
  | 'lost'
  /** Delivered (or dead-lettered) again after an ack was confirmed. */
  | 'after-ack'
  /** `attempt` did not grow from one delivery of a message to the next, or passed MAX_ATTEMPTS. */
  | 'attempt-order'
  /** Delivered again while the previous delivery was still held (its lease live, its socket connected). */
  | 'concurrent-delivery'
  /** A payload, header, queue or room that is not what was published. */
  | 'payload'
  /** A delivery of a message no producer published. */
  | 'unknown-delivery'
  /** One publish stored under two message ids. */
  | 'duplicate'
  /** A `key` publish that did not return the first id with `duplicate: true`, or a `duplicate` out of nowhere. */
  | 'dedup'
  /** One message id carrying two different ops. */
  | 'id-reuse'
  /** A dead letter whose reason does not match what happened to it. */
  | 'dead-letter-reason'
  /** An ack sent after the ack timeout that was not answered NOT_FOUND. */
  | 'late-ack'
  /** A `nack { requeue: false }` answered ok that did not dead-letter the message. */
  | 'nack-ignored'
  /** A write sent before a SIGTERM, never answered, whose effect is visible afterwards (contract §1). */
  | 'shutdown-unanswered'
  /** A publish answered with an error (or never sent) that stored its message anyway. */
  | 'error-stored'
  /** A message with `ttlMs` delivered after it expired. */
  | 'expired-delivered'
  /** A message with `delayMs` delivered before its delay. */
  | 'early-delivery'
  /** A running server that did not answer an operation. */
  | 'no-answer'
  /** SIGTERM did not end the process with exit code 0 within 10 s. */
  | 'graceful-exit'
  /** A room publish whose `recipients` is not the number of durable members (0 for a duplicate). */
  | 'recipients'
  /** The drain at the end did not empty the queues. */
  | 'not-drained';

export interface Violation {
  kind: ViolationKind;
  detail: string;
  /** Message ids and op ids whose history explains it. */
  ids: string[];
  ops: string[];
}

export interface CheckResult {
  /** Operations by `type/via-or-mode outcome`, e.g. `publish/socket ok`. */
  operations: Record<string, number>;
  sigkills: number;
  sigterms: number;
  /** Confirmed publishes (op ids) whose fate was checked. */
  messagesChecked: number;
  storedIds: number;
  deliveries: number;
  /** Deliveries of an id after its first: legitimate when `attempt` grew. */
  redeliveries: number;
  /** Extra message ids for one op: never legitimate. */
  duplicates: number;
  deadLetters: Record<string, number>;
  /** Writes sent to a node that was stopped with SIGTERM and never answered. */
  shutdown: { unansweredStored: number; unansweredNotStored: number; answeredWithError: number; errorSentBeforeSignal: number };
  violations: Violation[];
}

/** A delivery received this long (plus the driver's longest stall) after a message's expiry counts as delivered after it. */
export const TTL_SLACK_MS = 1500;
/**
 * A delivery's lease ends ACK_TIMEOUT_MS after the server claimed it, which is before the consumer
 * received it: a redelivery counts as concurrent only if it came this much (plus the driver's longest
 * stall) sooner than that.
 */
export const LEASE_SLACK_MS = 750;
/** Server times and driver times come from one clock; this covers rounding to whole ms. */
const CLOCK_SLACK_MS = 20;
/** SIGTERM must end the process within this (contract §1). */
const SHUTDOWN_LIMIT_MS = 10_000;

interface OpInfo {
  spec: MessageSpec;
  /** Every publish operation that carried this op, in invoke order, with the message's index in it. */
  attempts: { op: PublishOp; index: number }[];
  /** Every message id seen for this op (a room copy counts as its message): in answers, deliveries and dead letters. */
  seen: Set<string>;
}

/** One queue message, or one copy of a room message. */
interface IdInfo {
  id: string;
  ops: Set<string>;
  deliveries: DeliveryEvent[];
  acks: AckOp[];
  nacks: NackOp[];
  dead?: DeadLetterEntry;
}

/** Everything the rules look up, built once from the history. */
export interface HistoryIndex {
  history: History;
  ops: Map<string, OpInfo>;
  ids: Map<string, IdInfo>;
  incarnations: Map<string, Incarnation>;
  /** When each faulted incarnation got its signal. */
  signalAt: Map<string, number>;
}

export function indexHistory(history: History): HistoryIndex {
  const ops = new Map<string, OpInfo>();
  const ids = new Map<string, IdInfo>();
  const idInfo = (id: string): IdInfo => {
    let info = ids.get(id);
    if (!info) ids.set(id, (info = { id, ops: new Set(), deliveries: [], acks: [], nacks: [] }));
    return info;
  };
  const link = (op: string | null, id: string) => {
    idInfo(id);
    if (op === null) return;
    ids.get(id)!.ops.add(op);
    ops.get(op)?.seen.add(baseId(id));
  };
  for (const event of history.events) {
    if (event.type !== 'publish') continue;
    event.messages.forEach((spec, index) => {
      let info = ops.get(spec.op);
      if (!info) ops.set(spec.op, (info = { spec, attempts: [], seen: new Set() }));
      info.attempts.push({ op: event, index });
    });
  }
  for (const event of history.events) {
    if (event.type === 'publish' && event.outcome === 'ok' && event.ids) {
      event.messages.forEach((spec, i) => {
        const id = event.ids![i];
        if (id === undefined) return;
        if (spec.members) for (const member of spec.members) link(spec.op, copyId(id, member));
        else link(spec.op, id);
      });
    } else if (event.type === 'deliver') {
      link(claimedOp(event.payload), event.id);
      idInfo(event.id).deliveries.push(event);
    } else if (event.type === 'ack') {
      for (const id of new Set(event.ids)) idInfo(id).acks.push(event);
    } else if (event.type === 'nack') {
      idInfo(event.id).nacks.push(event);
    }
  }
  for (const entry of history.deadLetters) {
    link(claimedOp(entry.payload), entry.id);
    idInfo(entry.id).dead = entry;
  }
  for (const info of ids.values()) info.deliveries.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const signalAt = new Map(history.events.flatMap((e) => (e.type === 'fault' ? [[e.incarnation, e.at] as const] : [])));
  return { history, ops, ids, incarnations: new Map(history.incarnations.map((i) => [i.id, i])), signalAt };
}

export function checkHistory(history: History): CheckResult {
  const index = indexHistory(history);
  const violations: Violation[] = [];
  const shutdown = { unansweredStored: 0, unansweredNotStored: 0, ...shutdownErrors(index) };
  for (const rule of [checkDeliveries, checkPublishes, checkRecipients, checkAcks, checkNacks, checkDeadLetters, checkSettled, checkAnswers, checkFaults]) {
    violations.push(...rule(index, shutdown));
  }
  if (!history.drain.drained) violations.push({ kind: 'not-drained', detail: history.drain.detail, ids: [], ops: [] });
  return { ...summarize(index), shutdown, violations };
}

type Rule = (index: HistoryIndex, shutdown: CheckResult['shutdown']) => Violation[];

/** Checks 3 and 4: attempts grow, payloads, headers and queues intact, TTL and delay respected. */
const checkDeliveries: Rule = (index) => {
  const { history, ops, ids } = index;
  const out: Violation[] = [];
  const { maxAttempts } = history.config;
  const lag = history.config.driverLagMs ?? 0;
  const ends = endTimes(index);
  for (const info of ids.values()) {
    if (info.ops.size > 1) {
      out.push({ kind: 'id-reuse', detail: `message id ${info.id} carries ops ${[...info.ops].join(', ')}`, ids: [info.id], ops: [...info.ops] });
    }
    let previous: DeliveryEvent | undefined;
    for (const d of info.deliveries) {
      const where = `delivery of ${d.id} (attempt ${d.attempt}) to ${d.socket}`;
      const payload = readPayload(d.payload);
      const claimed = claimedOp(d.payload);
      const spec = payload ? ops.get(payload.op)?.spec : undefined;
      if (!payload) out.push({ kind: 'payload', detail: `${where}: payload damaged: ${clip(JSON.stringify(d.payload))}`, ids: [d.id], ops: claimed ? [claimed] : [] });
      else if (!spec) out.push({ kind: 'unknown-delivery', detail: `${where}: op ${payload.op} was never published`, ids: [d.id], ops: [payload.op] });
      else {
        if (d.channel !== spec.channel) out.push({ kind: 'payload', detail: `${where}: came from ${d.channel}, published to ${spec.channel}`, ids: [d.id], ops: [spec.op] });
        if (spec.members && !spec.members.some((m) => copyId(baseId(d.id), m) === d.id)) {
          out.push({ kind: 'payload', detail: `${where}: a copy for a client that is not a durable member`, ids: [d.id], ops: [spec.op] });
        }
        if (d.headers?.['x-op'] !== spec.op) out.push({ kind: 'payload', detail: `${where}: headers ${JSON.stringify(d.headers)}, published with x-op=${spec.op}`, ids: [d.id], ops: [spec.op] });
        if (spec.ttlMs !== undefined && d.at > d.publishedAt + spec.ttlMs + TTL_SLACK_MS + lag) {
          out.push({ kind: 'expired-delivered', detail: `${where}: received ${d.at - d.publishedAt - spec.ttlMs} ms after its ttl of ${spec.ttlMs} ms ran out`, ids: [d.id], ops: [spec.op] });
        }
        if (spec.delayMs !== undefined && d.at < d.publishedAt + spec.delayMs - CLOCK_SLACK_MS) {
          out.push({ kind: 'early-delivery', detail: `${where}: received ${d.at - d.publishedAt} ms after publish, delayMs ${spec.delayMs}`, ids: [d.id], ops: [spec.op] });
        }
      }
      if (!Number.isInteger(d.attempt) || d.attempt < 1 || d.attempt > maxAttempts) {
        out.push({ kind: 'attempt-order', detail: `${where}: attempt outside 1..${maxAttempts}`, ids: [d.id], ops: [...info.ops] });
      } else if (previous && d.attempt <= previous.attempt) {
        out.push({ kind: 'attempt-order', detail: `${where} came after attempt ${previous.attempt} (to ${previous.socket})`, ids: [d.id], ops: [...info.ops] });
      }
      if (previous && heldAt(index, ends, info, previous, d.at)) {
        out.push({ kind: 'concurrent-delivery', detail: `${where} ${d.at - previous.at} ms after attempt ${previous.attempt} went to ${previous.socket}, which still held it`, ids: [d.id], ops: [...info.ops] });
      }
      previous = d;
    }
  }
  return out;
};

/** When each socket's connection ended (as its client saw it), and when each process got its signal. */
function endTimes(index: HistoryIndex): Map<string, number> {
  const times = new Map(index.signalAt);
  for (const e of index.history.events) if (e.type === 'socket' && e.what === 'disconnect') times.set(e.socket, e.at);
  return times;
}

/**
 * Whether `d` was surely still held at `at` (contract §2: one consumer at a time): its lease not over,
 * its socket connected, its process running, and no ack or nack from its socket in between.
 */
function heldAt(index: HistoryIndex, ends: Map<string, number>, info: IdInfo, d: DeliveryEvent, at: number): boolean {
  const { ackTimeoutMs, driverLagMs = 0 } = index.history.config;
  if (at >= d.at + ackTimeoutMs - LEASE_SLACK_MS - driverLagMs) return false;
  if ((ends.get(d.socket) ?? Infinity) <= at || (ends.get(d.incarnation) ?? Infinity) <= at) return false;
  // An ack or nack from the holder gave it back (an ack answered ok is checked on its own, as after-ack).
  const settling = [...info.nacks, ...info.acks].some((s) => s.socket === d.socket && s.invokedAt >= d.at && s.invokedAt <= at);
  return !settling;
}

/** Check 5 and the publish side of 6: one op, one id; keys dedup; errors and shutdowns store nothing unanswered. */
const checkPublishes: Rule = (index, shutdown) => {
  const out: Violation[] = [];
  const storedByUnanswered = new Set<string>();
  for (const [op, info] of index.ops) {
    if (info.seen.size > 1) out.push({ kind: 'duplicate', detail: `op ${op} is stored under ${info.seen.size} message ids: ${list([...info.seen])}`, ids: [...info.seen], ops: [op] });
    out.push(...checkDedup(op, info));
    // Ids no successful answer created: some attempt without a success answer stored them.
    const created = new Set(info.attempts.flatMap(({ op: p, index: i }) => (p.outcome === 'ok' && !p.duplicate && p.ids?.[i] ? [p.ids[i]] : [])));
    const orphans = [...info.seen].filter((id) => !created.has(id));
    if (orphans.length === 0) continue;
    const unanswered = info.attempts.filter(({ op: p }) => p.outcome === 'none');
    const refused = info.attempts.some(({ op: p }) => p.outcome === 'fail' || p.outcome === 'refused');
    if (unanswered.length === 0) {
      // Extra ids next to one a success answer created are duplicates (reported above), not this.
      if (created.size > 0 || !refused) continue;
      const outcomes = info.attempts.map(({ op: p }) => `${p.via} ${p.outcome}${p.error ? ` ${p.error}` : ''}`).join(', ');
      out.push({ kind: 'error-stored', detail: `op ${op} was stored as ${orphans.join(', ')} but no publish of it succeeded or went unanswered (${outcomes})`, ids: orphans, ops: [op] });
    } else if (unanswered.every(({ op: p }) => endOf(index, p.incarnation) === 'SIGTERM')) {
      for (const { op: p } of unanswered) storedByUnanswered.add(String(p.seq));
    }
  }
  for (const event of index.history.events) {
    if (event.type !== 'publish' || event.outcome !== 'none' || endOf(index, event.incarnation) !== 'SIGTERM') continue;
    if (!storedByUnanswered.has(String(event.seq))) {
      shutdown.unansweredNotStored++;
      continue;
    }
    shutdown.unansweredStored++;
    const opsOf = event.messages.map((m) => m.op);
    const stored = opsOf.flatMap((op) => [...(index.ops.get(op)?.seen ?? [])]);
    out.push({
      kind: 'shutdown-unanswered',
      detail: `${event.via} publish #${event.seq} sent to ${event.incarnation} (stopped with SIGTERM) got no answer but was stored as ${list(stored)}`,
      ids: stored,
      ops: opsOf,
    });
  }
  return out;
};

function checkDedup(op: string, info: OpInfo): Violation[] {
  const out: Violation[] = [];
  const answered = info.attempts.filter(({ op: p }) => p.outcome === 'ok' && p.ids?.[0] !== undefined).sort((a, b) => a.op.answeredAt! - b.op.answeredAt!);
  if (!info.spec.key) {
    for (const { op: p } of answered) if (p.duplicate) out.push({ kind: 'dedup', detail: `publish #${p.seq} of op ${op} (no key) answered duplicate`, ids: p.ids!, ops: [op] });
    return out;
  }
  let first: string | undefined;
  for (const { op: p } of answered) {
    const id = p.ids![0];
    const earlier = info.attempts.some(({ op: q }) => q.seq < p.seq && (q.outcome === 'ok' || q.outcome === 'none'));
    if (first === undefined) {
      first = id;
      if (p.duplicate && !earlier) out.push({ kind: 'dedup', detail: `first publish #${p.seq} of key ${info.spec.key} answered duplicate ${id}`, ids: [id], ops: [op] });
    } else if (id !== first || !p.duplicate) {
      out.push({
        kind: 'dedup',
        detail: `publish #${p.seq} (${p.purpose}) of key ${info.spec.key} answered ${id}${p.duplicate ? ' duplicate' : ''}; the key was confirmed as ${first}`,
        ids: [first, id],
        ops: [op],
      });
    }
  }
  return out;
}

/** Check 2: nothing comes back after a confirmed ack; late acks answer NOT_FOUND; the ack side of 6. */
const checkAcks: Rule = (index, shutdown) => {
  const out: Violation[] = [];
  for (const event of index.history.events) {
    if (event.type !== 'ack') continue;
    const unique = [...new Set(event.ids)];
    if (event.late) out.push(...checkLateAck(index, event));
    if (event.outcome === 'ok') {
      const confirmed = event.mode === 'single' || event.acked === unique.length;
      if (confirmed) {
        for (const id of unique) out.push(...afterAck(index, event, id));
      } else {
        // `acked` of n: which ones is not said, but at most n − acked of them may be seen again.
        const back = unique.filter((id) => index.ids.get(id)!.dead || index.ids.get(id)!.deliveries.some((d) => d.at > event.answeredAt!));
        if (back.length > unique.length - (event.acked ?? 0)) {
          out.push({
            kind: 'after-ack',
            detail: `ack #${event.seq} of ${unique.length} ids answered acked=${event.acked}, yet ${back.length} of them were delivered or dead-lettered afterwards`,
            ids: back,
            ops: opsOfIds(index, back),
          });
        }
      }
    }
    if (event.outcome === 'none' && endOf(index, event.incarnation) === 'SIGTERM') {
      const applied = unique.filter((id) => ackApplied(index, event, id));
      if (applied.length === 0) shutdown.unansweredNotStored++;
      else {
        shutdown.unansweredStored++;
        out.push({
          kind: 'shutdown-unanswered',
          detail: `ack #${event.seq} sent to ${event.incarnation} (stopped with SIGTERM) got no answer but took effect: ${list(applied)} never came back`,
          ids: applied,
          ops: opsOfIds(index, applied),
        });
      }
    }
  }
  return out;
};

function afterAck(index: HistoryIndex, ack: AckOp, id: string): Violation[] {
  const info = index.ids.get(id)!;
  const out: Violation[] = [];
  const again = info.deliveries.filter((d) => d.at > ack.answeredAt!);
  if (again.length) {
    const first = again[0];
    out.push({ kind: 'after-ack', detail: `${id} was delivered again (attempt ${first.attempt} to ${first.socket}) after ack #${ack.seq} was confirmed`, ids: [id], ops: [...info.ops] });
  }
  if (info.dead) out.push({ kind: 'after-ack', detail: `${id} is dead-lettered (${info.dead.reason}) although ack #${ack.seq} was confirmed`, ids: [id], ops: [...info.ops] });
  return out;
}

function checkLateAck(index: HistoryIndex, ack: AckOp): Violation[] {
  const id = ack.ids[0];
  const info = index.ids.get(id)!;
  if (ack.outcome === 'fail' && ack.error === 'NOT_FOUND') return [];
  if (ack.outcome === 'none' || ack.outcome === 'refused') return [];
  // A stopping node may refuse it with an error (counted with the other shutdown errors).
  if (ack.outcome === 'fail' && ack.answeredAt! >= (index.signalAt.get(ack.incarnation) ?? Infinity)) return [];
  if (ack.outcome === 'ok') {
    // Legitimate only when the message was delivered to this same socket again in the meantime.
    const again = info.deliveries.some((d) => d.socket === ack.socket && d.at > ack.late!.deliveredAt && d.at <= ack.answeredAt!);
    if (again) return [];
  }
  const answer = ack.outcome === 'ok' ? 'ok' : ack.error;
  return [{ kind: 'late-ack', detail: `ack #${ack.seq} of ${id}, sent ${ack.invokedAt - ack.late!.deliveredAt} ms after attempt ${ack.late!.attempt} was received, answered ${answer} instead of NOT_FOUND`, ids: [id], ops: [...info.ops] }];
}

/** An unanswered ack took effect when the message never showed up again and is not dead-lettered. */
function ackApplied(index: HistoryIndex, ack: AckOp, id: string): boolean {
  const info = index.ids.get(id)!;
  if (info.dead || confirmedAck(info) !== undefined) return false;
  return !info.deliveries.some((d) => d.at > ack.invokedAt);
}

/** A `nack { requeue: false }` answered ok dead-letters the message as `rejected`, for good. */
const checkNacks: Rule = (index, shutdown) => {
  const out: Violation[] = [];
  for (const event of index.history.events) {
    if (event.type !== 'nack' || event.requeue) continue;
    const info = index.ids.get(event.id)!;
    if (event.outcome === 'ok') {
      const again = info.deliveries.find((d) => d.at > event.answeredAt!);
      if (info.dead?.reason !== 'rejected' || again) {
        const what = again ? `delivered again (attempt ${again.attempt})` : info.dead ? `dead-lettered as ${info.dead.reason}` : 'not dead-lettered';
        out.push({ kind: 'nack-ignored', detail: `nack #${event.seq} of ${event.id} (requeue:false) answered ok, yet it was ${what}`, ids: [event.id], ops: [...info.ops] });
      }
    }
    if (event.outcome === 'none' && endOf(index, event.incarnation) === 'SIGTERM') {
      // Delivered again afterwards, it was not this nack that dead-lettered it.
      if (info.dead?.reason === 'rejected' && !info.deliveries.some((d) => d.at > event.invokedAt)) {
        shutdown.unansweredStored++;
        out.push({ kind: 'shutdown-unanswered', detail: `nack #${event.seq} of ${event.id} (requeue:false) sent to ${event.incarnation} (stopped with SIGTERM) got no answer but dead-lettered it`, ids: [event.id], ops: [...info.ops] });
      } else shutdown.unansweredNotStored++;
    }
  }
  return out;
};

/** Check 1, reasons: max-attempts after MAX_ATTEMPTS deliveries, rejected after a nack, expired after its ttl. */
const checkDeadLetters: Rule = ({ history, ids, ops }) => {
  const out: Violation[] = [];
  const { maxAttempts } = history.config;
  for (const entry of history.deadLetters) {
    const info = ids.get(entry.id)!;
    const payload = readPayload(entry.payload);
    const spec = payload ? ops.get(payload.op)?.spec : undefined;
    const tag = [...info.ops];
    const say = (detail: string): Violation => ({ kind: 'dead-letter-reason', detail: `dead letter ${entry.id} (${entry.reason}, attempts ${entry.attempts}): ${detail}`, ids: [entry.id], ops: tag });
    if (!payload) {
      out.push({ kind: 'payload', detail: `dead letter ${entry.id}: payload damaged: ${clip(JSON.stringify(entry.payload))}`, ids: [entry.id], ops: tag });
      continue;
    }
    if (!spec) {
      out.push({ kind: 'unknown-delivery', detail: `dead letter ${entry.id}: op ${payload.op} was never published`, ids: [entry.id], ops: tag });
      continue;
    }
    if (entry.channel !== spec.channel) out.push({ kind: 'payload', detail: `dead letter ${entry.id} listed in ${entry.channel}, published to ${spec.channel}`, ids: [entry.id], ops: tag });
    const seenAttempt = Math.max(0, ...info.deliveries.map((d) => d.attempt));
    if (seenAttempt > entry.attempts) out.push(say(`attempt ${seenAttempt} was delivered`));
    if (entry.reason === 'max-attempts') {
      if (entry.attempts !== maxAttempts) out.push(say(`max-attempts with ${entry.attempts} attempts, MAX_ATTEMPTS is ${maxAttempts}`));
    } else if (entry.reason === 'rejected') {
      const nacked = info.nacks.some((n) => !n.requeue && (n.outcome === 'ok' || n.outcome === 'none'));
      if (!nacked) out.push(say('rejected, but no nack with requeue:false reached the server'));
    } else if (entry.reason === 'expired') {
      const publishedAt = info.deliveries[0]?.publishedAt ?? Math.min(...(ops.get(spec.op)?.attempts.map((a) => a.op.invokedAt) ?? [Infinity]));
      if (spec.ttlMs === undefined) out.push(say('expired, but it was published without ttlMs'));
      else if (entry.deadLetteredAt < publishedAt + spec.ttlMs - CLOCK_SLACK_MS) {
        out.push(say(`expired ${publishedAt + spec.ttlMs - entry.deadLetteredAt} ms before its ttl of ${spec.ttlMs} ms ran out`));
      }
    } else {
      out.push(say(`reason ${entry.reason} cannot happen in this run`));
    }
  }
  return out;
};

/** Check 1, fate: every confirmed publish (each copy of a room message) ends acked or dead-lettered. */
const checkSettled: Rule = (index) => {
  const out: Violation[] = [];
  for (const [op, info] of index.ops) {
    const confirmed = info.attempts.map((a) => a.op.ids?.[a.index]).find((id, i) => id !== undefined && info.attempts[i].op.outcome === 'ok');
    if (confirmed === undefined) continue;
    for (const answer of info.spec.members ? info.spec.members.map((m) => copyId(confirmed, m)) : [confirmed]) out.push(...settled(index, op, answer));
  }
  return out;
};

/** `answer` (a message or a copy) ends acked or dead-lettered; an ack refused with an error changed nothing. */
function settled(index: HistoryIndex, op: string, answer: string): Violation[] {
  const id = index.ids.get(answer)!;
  if (id.dead || confirmedAck(id) !== undefined || mayHaveBeenAcked(id)) return [];
  const last = id.deliveries[id.deliveries.length - 1];
  const refused = id.acks.find((a) => a.outcome === 'fail' && !a.late && a.invokedAt >= (last?.at ?? 0));
  if (refused) {
    return [{ kind: 'error-stored', detail: `ack #${refused.seq} of ${answer} answered ${refused.error}, yet it took effect: op ${op} never came back and is not dead-lettered`, ids: [answer], ops: [op] }];
  }
  const story = last ? `last seen as attempt ${last.attempt} delivered to ${last.socket}` : 'never delivered';
  return [{ kind: 'lost', detail: `confirmed publish of op ${op} as ${answer} was neither acked nor dead-lettered (${story})`, ids: [answer], ops: [op] }];
}

/** A room publish reaches every durable member (none when it is a duplicate). */
const checkRecipients: Rule = (index) =>
  index.history.events.flatMap((e): Violation[] => {
    const members = e.type === 'publish' && e.outcome === 'ok' ? e.messages[0]?.members : undefined;
    if (e.type !== 'publish' || !members) return [];
    const expected = e.duplicate ? 0 : members.length;
    if (e.recipients === expected) return [];
    return [{ kind: 'recipients', detail: `room publish #${e.seq}${e.duplicate ? ' (duplicate)' : ''} answered recipients ${e.recipients}, expected ${expected} (durable members ${members.join(', ')})`, ids: e.ids ?? [], ops: e.messages.map((m) => m.op) }];
  });

/** When an ack of `info` was confirmed (answer time), if ever. */
function confirmedAck(info: IdInfo): number | undefined {
  const times = info.acks.filter((a) => a.outcome === 'ok' && (a.mode === 'single' || a.acked === new Set(a.ids).size)).map((a) => a.answeredAt!);
  return times.length ? Math.min(...times) : undefined;
}

/** An ack with no answer, or a batch ack that acked only some, after which the message never came back. */
function mayHaveBeenAcked(info: IdInfo): boolean {
  return info.acks.some((a) => {
    const unsure = a.outcome === 'none' || (a.outcome === 'ok' && a.mode === 'batch' && a.acked !== new Set(a.ids).size);
    const since = a.outcome === 'none' ? a.invokedAt : a.answeredAt!;
    return unsure && !info.deliveries.some((d) => d.at > since);
  });
}

/** Every operation sent to a running server is answered. */
const checkAnswers: Rule = (index) => {
  const out: Violation[] = [];
  const { answerTimeoutMs } = index.history.config;
  for (const event of index.history.events) {
    if ((event.type !== 'publish' && event.type !== 'ack' && event.type !== 'nack') || event.outcome !== 'none') continue;
    const incarnation = index.incarnations.get(event.incarnation);
    const faulted = incarnation?.end === 'SIGKILL' || incarnation?.end === 'SIGTERM';
    // A fault explains no answer only if it came before the answer was due.
    if (faulted && incarnation!.endedAt! <= event.invokedAt + answerTimeoutMs + 1000) continue;
    const what = event.type === 'publish' ? `${event.via} publish` : event.type;
    const ids = event.type === 'publish' ? (event.ids ?? []) : event.type === 'ack' ? event.ids : [event.id];
    const ops = event.type === 'publish' ? event.messages.map((m) => m.op) : opsOfIds(index, ids);
    out.push({ kind: 'no-answer', detail: `${what} #${event.seq} to ${event.incarnation} (${event.noAnswer ?? 'no answer'}) while the node was running`, ids, ops });
  }
  return out;
};

/** SIGTERM: exit 0 within 10 s. */
const checkFaults: Rule = ({ history }) =>
  history.events.flatMap((event): Violation[] => {
    if (event.type !== 'fault' || event.signal !== 'SIGTERM') return [];
    const took = event.exitedAt - event.at;
    if (event.exitCode === 0 && took <= SHUTDOWN_LIMIT_MS) return [];
    return [{ kind: 'graceful-exit', detail: `SIGTERM of ${event.incarnation}: exit code ${event.exitCode} after ${took} ms`, ids: [], ops: [] }];
  });

/**
 * Writes a node answered with an error while stopping on SIGTERM (allowed: "stop accepting"), and how
 * many of them were sent before the signal (in flight, so they should rather have finished).
 */
function shutdownErrors(index: HistoryIndex): { answeredWithError: number; errorSentBeforeSignal: number } {
  const signals = new Map([...index.signalAt].filter(([incarnation]) => index.incarnations.get(incarnation)?.end === 'SIGTERM'));
  let answeredWithError = 0;
  let errorSentBeforeSignal = 0;
  for (const e of index.history.events) {
    if ((e.type !== 'publish' && e.type !== 'ack' && e.type !== 'nack') || e.outcome !== 'fail' || e.error === 'NOT_FOUND') continue;
    const signal = signals.get(e.incarnation);
    if (signal === undefined || e.answeredAt! < signal) continue;
    answeredWithError++;
    if (e.invokedAt < signal) errorSentBeforeSignal++;
  }
  return { answeredWithError, errorSentBeforeSignal };
}

function endOf(index: HistoryIndex, incarnation: string): Incarnation['end'] {
  return index.incarnations.get(incarnation)?.end;
}

function opsOfIds(index: HistoryIndex, ids: readonly string[]): string[] {
  return [...new Set(ids.flatMap((id) => [...(index.ids.get(id)?.ops ?? [])]))];
}

/** Ids in a detail line: the first few. */
function list(ids: readonly string[], max = 4): string {
  return ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ');
}

function clip(text: string | undefined, max = 200): string {
  return text === undefined ? 'undefined' : text.length > max ? `${text.slice(0, max)}…` : text;
}

function summarize(index: HistoryIndex): Omit<CheckResult, 'shutdown' | 'violations'> {
  const operations: Record<string, number> = {};
  let deliveries = 0;
  let sigkills = 0;
  let sigterms = 0;
  for (const event of index.history.events) {
    if (event.type === 'deliver') deliveries++;
    if (event.type === 'fault') {
      if (event.signal === 'SIGKILL') sigkills++;
      else sigterms++;
    }
    if (event.type !== 'publish' && event.type !== 'ack' && event.type !== 'nack') continue;
    const kind = event.type === 'publish' ? `publish/${event.via}${event.purpose === 'first' ? '' : ` (${event.purpose})`}` : event.type === 'ack' ? `ack/${event.mode}${event.late ? ' (late)' : ''}` : `nack/requeue:${event.requeue}`;
    const key = `${kind} ${event.outcome}${event.error ? ` ${event.error}` : ''}`;
    operations[key] = (operations[key] ?? 0) + 1;
  }
  const deadLetters: Record<string, number> = {};
  for (const entry of index.history.deadLetters) deadLetters[entry.reason] = (deadLetters[entry.reason] ?? 0) + 1;
  let redeliveries = 0;
  for (const info of index.ids.values()) redeliveries += Math.max(0, info.deliveries.length - 1);
  let duplicates = 0;
  for (const info of index.ops.values()) duplicates += Math.max(0, info.seen.size - 1);
  const messagesChecked = [...index.ops.values()].filter((o) => o.attempts.some((a) => a.op.outcome === 'ok')).length;
  return { operations, sigkills, sigterms, messagesChecked, storedIds: index.ids.size, deliveries, redeliveries, duplicates, deadLetters };
}
