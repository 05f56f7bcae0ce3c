import BetterSqlite3, { Database, Statement } from 'better-sqlite3';
import { mkdirSync, statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { CourierError } from '../../common/courier-error.js';
import { ErrorCode } from '../../common/error-code.js';
import { newMessageId } from '../../common/message-id.js';
import { DeadLetterReason, MessageState } from '../message-state.js';
import { DEDUP_WINDOW_MS, MessageStore } from '../message-store.js';
import {
  Channel,
  ChannelStats,
  ClaimResult,
  DeadLetter,
  Delivery,
  FanOutResult,
  MessageRef,
  NewMessage,
  PublishResult,
  ReleaseOptions,
  SweepResult,
} from '../stored-message.js';
import { OutageLog } from '../outage-log.js';
import { decodeHeaders } from '../record-decoding.js';
import { GroupCommit } from './group-commit.js';
import { describeOpenFailure, toStoreFailure } from './sqlite-failure.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';

const STATE: Record<MessageState, number> = { ready: 0, delayed: 1, inFlight: 2, deadLettered: 3 };
const STATE_NAMES: MessageState[] = ['ready', 'delayed', 'inFlight', 'deadLettered'];
const KIND: Record<Channel['kind'], number> = { queue: 0, room: 1 };
const KIND_NAMES: Channel['kind'][] = ['queue', 'room'];
/** The health check's probe commit runs at most this often (a probe is one small WAL write). */
const PROBE_EVERY_MS = 500;
/** Rows one sweep moves at most, so a huge backlog of due messages never blocks the event loop for long. */
const SWEEP_BATCH = 5000;

interface Row {
  seq: number;
  ns: string;
  kind: number;
  channel: string;
  client: string;
  id: string;
  state: number;
  priority: number;
  payload: string;
  headers: string;
  published_at: number;
  expires_at: number;
  attempts: number;
  holder: string | null;
}

interface Counters {
  ready: number;
  inFlight: number;
  delayed: number;
  deadLettered: number;
  published: number;
  acked: number;
  redelivered: number;
}

type Totals = Pick<Counters, 'published' | 'acked' | 'redelivered'>;

const ROW_COLUMNS = 'seq, ns, kind, channel, client, id, state, priority, payload, headers, published_at, expires_at, attempts, holder';

/**
 * The embedded durable store: one SQLite file in DATA_DIR, WAL journal, group commit (see GroupCommit).
 * Live counts per queue are kept in memory (rebuilt from the table at open) so stats never scan; the
 * since-creation totals are written to `channels` in the same transaction as the change they count.
 */
export class SqliteMessageStore implements MessageStore {
  readonly shared = false;
  private db: Database;
  private tx: GroupCommit;
  private s: ReturnType<SqliteMessageStore['prepare']>;
  private readonly counters = new Map<string, Counters>();
  private readonly dirtyTotals = new Map<string, Totals>();
  /** Set when the live counts could not be rebuilt after a failed commit (the disk failed reads too). */
  private countersStale = false;
  private probe: { at: number; done: Promise<void> } | null = null;
  /** Commits failing (cleared by the next commit) and free space below the minimum (cleared by a check). */
  private readonly outage = new OutageLog(new Logger('SqliteMessageStore'));
  private readonly diskAlarm = new OutageLog(new Logger('SqliteMessageStore'));

  /**
   * @param minFreeBytes below this much free space under `dataDir` the store reports itself unable to take
   *   writes (health 503), as a broker's disk alarm does; the engine passes MAX_PAYLOAD_BYTES plus slack.
   */
  constructor(
    private readonly dataDir: string,
    private readonly fileName = 'courier.db',
    private readonly synchronous: 'NORMAL' | 'FULL' = 'NORMAL',
    private readonly minFreeBytes = 2 * 1024 * 1024,
  ) {}

  async open(): Promise<void> {
    const path = this.dataDir === ':memory:' ? ':memory:' : resolve(this.dataDir, this.fileName);
    try {
      if (this.dataDir !== ':memory:') mkdirSync(this.dataDir, { recursive: true });
      this.db = new BetterSqlite3(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.synchronous}`);
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('cache_size = -65536');
      this.db.pragma('temp_store = MEMORY');
      // Reads of a deep queue's pages come straight from the mapped file instead of being copied.
      this.db.pragma('mmap_size = 268435456');
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      this.s = this.prepare(this.db);
      // A file that opens but cannot be written (a read-only mount) must stop start-up, not the first publish.
      this.s.probe.run(Date.now());
    } catch (error) {
      if (this.db?.open) this.db.close();
      throw new Error(`DATA_DIR=${JSON.stringify(this.dataDir)}: cannot use ${path} as the message store: ${describeOpenFailure(error)}`);
    }
    this.tx = new GroupCommit(this.db, {
      beforeCommit: () => this.flushTotals(),
      afterCommit: () => this.outage.recovered(),
      afterRollback: () => this.reloadCounters(),
      afterWorkFailed: () => {
        this.flushTotals();
        this.reloadCounters();
      },
      mapError: (error) => this.failure(error),
    });
    this.loadCounters();
  }

  async close(): Promise<void> {
    if (!this.db?.open) return;
    this.tx.commit();
    this.db.close();
  }

  /**
   * Health: the file answers a read, its file system has room for a largest write, and a commit still
   * reaches the disk (a probe row, written at most every PROBE_EVERY_MS; a full disk or a file system gone
   * read-only fails it). Throws UNAVAILABLE, saying which.
   */
  async ping(): Promise<void> {
    this.s.ping.get();
    if (this.countersStale) this.reloadCounters();
    if (this.dataDir !== ':memory:') {
      const { bavail, bsize } = statfsSync(this.dataDir);
      const free = bavail * bsize;
      if (free < this.minFreeBytes) {
        const cause = `the disk under DATA_DIR=${JSON.stringify(this.dataDir)} is full (${free} bytes free, ${this.minFreeBytes} needed)`;
        this.diskAlarm.failed(cause);
        throw new CourierError(ErrorCode.UNAVAILABLE, cause);
      }
      this.diskAlarm.recovered();
    }
    const now = Date.now();
    if (!this.probe || now - this.probe.at >= PROBE_EVERY_MS) {
      this.probe = { at: now, done: this.tx.run(() => void this.s.probe.run(now)) };
    }
    await this.probe.done;
  }

  declare(ns: string, kind: Channel['kind'], name: string, now: number): Promise<void> {
    return this.tx.run(() => {
      this.ensureChannel(ns, kind, name, now);
    });
  }

  enqueue(channel: Channel, messages: readonly NewMessage[], now: number): Promise<PublishResult[]> {
    return this.tx.run(() => {
      this.ensureChannel(channel.ns, channel.kind, channel.name, now);
      const batchKeys = new Map<string, string>();
      const results: PublishResult[] = [];
      let delayed = 0;
      let ready = 0;
      for (const m of messages) {
        const known = m.key ? (batchKeys.get(m.key) ?? this.knownKey(channel, m.key, now)) : undefined;
        if (known) {
          results.push({ id: known, duplicate: true });
          continue;
        }
        const id = newMessageId(now);
        if (m.key) {
          batchKeys.set(m.key, id);
          this.s.putKey.run(channel.ns, KIND[channel.kind], channel.name, m.key, id, now + DEDUP_WINDOW_MS);
        }
        this.insert(id, channel, m, now);
        if (m.delayMs > 0) delayed++;
        else ready++;
        results.push({ id, duplicate: false });
      }
      const c = this.countersOf(channel.ns, channel.kind, channel.name);
      c.ready += ready;
      c.delayed += delayed;
      this.addTotals(channel.ns, channel.kind, channel.name, 'published', ready + delayed);
      return results;
    });
  }

  fanOut(ns: string, room: string, message: NewMessage, now: number): Promise<FanOutResult> {
    return this.tx.run(() => {
      this.ensureChannel(ns, 'room', room, now);
      const roomChannel: Channel = { ns, kind: 'room', name: room, client: '' };
      const known = message.key ? this.knownKey(roomChannel, message.key, now) : undefined;
      if (known) return { id: known, duplicate: true, clients: [] };
      const id = newMessageId(now);
      if (message.key) this.s.putKey.run(ns, KIND.room, room, message.key, id, now + DEDUP_WINDOW_MS);
      const clients = (this.s.members.all(ns, room) as { client: string }[]).map((r) => r.client);
      for (const client of clients) this.insert(id, { ns, kind: 'room', name: room, client }, message, now);
      const c = this.countersOf(ns, 'room', room);
      if (message.delayMs > 0) c.delayed += clients.length;
      else c.ready += clients.length;
      this.addTotals(ns, 'room', room, 'published', 1);
      return { id, duplicate: false, clients };
    });
  }

  claimNext(channel: Channel, holder: string, max: number, now: number, ackDeadline: number): Promise<ClaimResult> {
    return this.tx.run(() => {
      // Due TTLs first (an index probe that finds nothing in the common case), so none is handed out.
      const expired = this.expireDue(now).filter((row) => sameChannel(row, channel)).length;
      // One statement claims the head of the channel and returns it; RETURNING has no order, so sort here.
      const rows = this.s.claim.all(holder, ackDeadline, channel.ns, KIND[channel.kind], channel.name, channel.client, max) as Row[];
      rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      const deliveries: Delivery[] = [];
      for (const row of rows) {
        this.move(row, 'ready', 'inFlight');
        // RETURNING shows the row after the update: attempts already counts this delivery.
        if (row.attempts > 1) this.addTotals(row.ns, KIND_NAMES[row.kind], row.channel, 'redelivered', 1);
        deliveries.push(toDelivery(row, channel, row.attempts));
      }
      return { deliveries, expired };
    });
  }


  redeliverHeld(channel: Channel, holder: string, now: number, ackDeadline: number, maxAttempts: number, ids: readonly string[] | null): Promise<Delivery[]> {
    return this.tx.run(() => {
      const only = ids && new Set(ids);
      const rows = (this.s.heldIn.all(holder, channel.ns, KIND[channel.kind], channel.name, channel.client) as Row[]).filter((r) => !only || only.has(r.id));
      const out: Delivery[] = [];
      for (const row of rows) {
        if (row.attempts >= maxAttempts) {
          this.s.toDead.run('max-attempts', now, row.seq);
          this.move(row, 'inFlight', 'deadLettered');
          continue;
        }
        this.s.toInFlight.run(holder, ackDeadline, row.seq);
        this.addTotals(row.ns, KIND_NAMES[row.kind], row.channel, 'redelivered', 1);
        out.push(toDelivery(row, channel, row.attempts + 1));
      }
      return out;
    });
  }

  async peekReady(channel: Channel, max: number, now: number): Promise<Delivery[]> {
    const rows = this.s.peekReady.all(channel.ns, KIND[channel.kind], channel.name, channel.client, now, max) as Row[];
    return rows.map((r) => toDelivery(r, channel, r.attempts + 1));
  }

  ack(ns: string, refs: readonly MessageRef[], holder: string | null): Promise<MessageRef[]> {
    return this.tx.run(() => {
      const settled: MessageRef[] = [];
      for (const ref of refs) {
        // One statement on the hot path: delete only if held by `holder`, and learn what was deleted.
        const row = (
          holder === null ? this.s.ackCopy.get(ns, ref.id, ref.client) : this.s.ackHeld.get(ns, ref.id, ref.client, holder)
        ) as Pick<Row, 'ns' | 'kind' | 'channel' | 'state'> | undefined;
        if (!row) continue;
        this.move(row as Row, STATE_NAMES[row.state], null);
        this.addTotals(ns, KIND_NAMES[row.kind], row.channel, 'acked', 1);
        settled.push(ref);
      }
      return settled;
    });
  }


  release(ns: string, refs: readonly MessageRef[], holder: string, options: ReleaseOptions): Promise<MessageRef[]> {
    return this.tx.run(() => {
      const released: MessageRef[] = [];
      for (const ref of refs) {
        const row = this.s.byRef.get(ns, ref.id, ref.client) as Row | undefined;
        if (!row || row.state !== STATE.inFlight || row.holder !== holder) continue;
        this.releaseRow(row, options);
        released.push(ref);
      }
      return released;
    });
  }

  releaseHolder(holder: string, options: ReleaseOptions): Promise<Channel[]> {
    return this.tx.run(() => {
      const woken = new Map<string, Channel>();
      for (const row of this.s.heldBy.all(holder) as Row[]) {
        this.releaseRow(row, options);
        const ch = channelOf(row);
        woken.set(channelKey(ch), ch);
      }
      return [...woken.values()];
    });
  }

  deadLetter(ns: string, refs: readonly MessageRef[], holder: string | null, now: number, reason: DeadLetterReason): Promise<MessageRef[]> {
    return this.tx.run(() => {
      const out: MessageRef[] = [];
      for (const ref of refs) {
        const row = this.s.byRef.get(ns, ref.id, ref.client) as Row | undefined;
        if (!row || row.state === STATE.deadLettered) continue;
        if (holder !== null && (row.state !== STATE.inFlight || row.holder !== holder)) continue;
        this.s.toDead.run(reason, now, row.seq);
        this.move(row, STATE_NAMES[row.state], 'deadLettered');
        out.push(ref);
      }
      return out;
    });
  }

  sweep(now: number, maxAttempts: number, recoverAll: boolean): Promise<SweepResult> {
    return this.tx.run(() => {
      const woken = new Map<string, Channel>();
      const wake = (row: Row) => {
        const ch = channelOf(row);
        woken.set(channelKey(ch), ch);
      };
      let more = false;
      const due = this.s.dueDelayed.all(now, SWEEP_BATCH) as Row[];
      for (const row of due) {
        this.s.toReady.run(row.seq);
        this.move(row, 'delayed', 'ready');
        wake(row);
      }
      more ||= due.length === SWEEP_BATCH;
      const late = (recoverAll ? this.s.allInFlight.all(SWEEP_BATCH) : this.s.dueInFlight.all(now, SWEEP_BATCH)) as Row[];
      for (const row of late) {
        this.releaseRow(row, { now, availableAt: now, maxAttempts });
        wake(row);
      }
      more ||= late.length === SWEEP_BATCH;
      const old = this.expireDue(now);
      more ||= old.length === SWEEP_BATCH;
      this.s.dropKeys.run(now);
      const next = this.s.nextDue.get() as { a: number | null; d: number | null; e: number | null };
      const nextDueAt = more ? now : minDefined([next.a, next.d, next.e]);
      return { woken: [...woken.values()], timedOut: late.length, expired: old.length, nextDueAt };
    });
  }

  redrive(ns: string, kind: Channel['kind'], name: string, now: number): Promise<Channel[]> {
    return this.tx.run(() => {
      const woken = new Map<string, Channel>();
      for (const row of this.s.deadIn.all(ns, KIND[kind], name, -1) as Row[]) {
        this.s.redrive.run(now, row.seq);
        this.move(row, 'deadLettered', 'ready');
        const ch = channelOf(row);
        woken.set(channelKey(ch), ch);
      }
      return [...woken.values()];
    });
  }

  purge(channel: Channel): Promise<number> {
    return this.tx.run(() => {
      const purged = this.s.purge.run(channel.ns, KIND[channel.kind], channel.name, channel.client).changes;
      // Only a known channel has rows; counters made here for an unknown one would stop ensureChannel declaring it.
      if (purged > 0) this.countersOf(channel.ns, channel.kind, channel.name).ready -= purged;
      return purged;
    });
  }

  async stats(ns: string, kind: Channel['kind'], name: string): Promise<ChannelStats | null> {
    const c = this.counters.get(counterKey(ns, kind, name));
    if (!c) return null;
    let oldestReadyAt: number | null = null;
    if (c.ready > 0) {
      // A queue's oldest ready message is the first by seq of one of its priorities: ten index seeks
      // instead of a scan of every ready row (seconds at a million, and stats run every second).
      const row = (kind === 'queue' ? this.s.oldestReadyInQueue.get(ns, KIND.queue, name, '') : this.s.oldestReady.get(ns, KIND[kind], name)) as {
        at: number | null;
      };
      oldestReadyAt = row.at;
    }
    return { name, ...c, oldestReadyAt };
  }

  async list(ns: string, kind: Channel['kind']): Promise<string[]> {
    return (this.s.listChannels.all(ns, KIND[kind]) as { name: string }[]).map((r) => r.name);
  }

  async deadLetters(ns: string, kind: Channel['kind'], name: string, limit: number): Promise<DeadLetter[]> {
    return (this.s.deadIn.all(ns, KIND[kind], name, limit) as (Row & { reason: DeadLetterReason; dead_at: number })[]).map((r) => ({
      id: r.id,
      client: r.client,
      payload: r.payload,
      attempts: r.attempts,
      reason: r.reason,
      deadLetteredAt: r.dead_at,
    }));
  }

  join(ns: string, room: string, client: string, now: number): Promise<void> {
    return this.tx.run(() => {
      this.ensureChannel(ns, 'room', room, now);
      this.s.join.run(ns, room, client, now);
    });
  }

  leave(ns: string, room: string, client: string): Promise<void> {
    return this.tx.run(() => {
      this.s.leave.run(ns, room, client);
    });
  }

  async memberships(ns: string, client: string): Promise<string[]> {
    return (this.s.memberships.all(ns, client) as { room: string }[]).map((r) => r.room);
  }

  /** A file (or memory) never loses its data while the process runs. */
  onReset(): void {}

  async memberCount(ns: string, room: string): Promise<number> {
    return (this.s.memberCount.get(ns, room) as { n: number }).n;
  }

  private insert(id: string, channel: Channel, m: NewMessage, now: number): void {
    const delayed = m.delayMs > 0;
    this.s.insert.run(
      channel.ns,
      KIND[channel.kind],
      channel.name,
      channel.client,
      id,
      delayed ? STATE.delayed : STATE.ready,
      m.priority,
      m.payload,
      JSON.stringify(m.headers),
      now,
      now + m.delayMs,
      m.ttlMs > 0 ? now + m.ttlMs : 0,
    );
  }

  /** Dead-letters (reason `expired`) ready or delayed messages whose TTL has passed; returns them. */
  private expireDue(now: number): Row[] {
    const rows = this.s.dueExpiry.all(now, SWEEP_BATCH) as Row[];
    for (const row of rows) {
      this.s.toDead.run('expired', now, row.seq);
      this.move(row, STATE_NAMES[row.state], 'deadLettered');
    }
    return rows;
  }

  private releaseRow(row: Row, { now, availableAt, maxAttempts }: ReleaseOptions): void {
    if (row.attempts >= maxAttempts) {
      this.s.toDead.run('max-attempts', now, row.seq);
      this.move(row, 'inFlight', 'deadLettered');
    } else if (availableAt > now) {
      this.s.toDelayed.run(availableAt, row.seq);
      this.move(row, 'inFlight', 'delayed');
    } else {
      this.s.toReady.run(row.seq);
      this.move(row, 'inFlight', 'ready');
    }
  }

  /** Keeps the in-memory live counts in step with one row's transition (`to` null = removed). */
  private move(row: Row, from: MessageState, to: MessageState | null): void {
    const c = this.countersOf(row.ns, KIND_NAMES[row.kind], row.channel);
    c[from]--;
    if (to) c[to]++;
  }

  private ensureChannel(ns: string, kind: Channel['kind'], name: string, now: number): void {
    if (this.counters.has(counterKey(ns, kind, name))) return;
    this.s.declare.run(ns, KIND[kind], name, now);
    this.countersOf(ns, kind, name);
  }

  private countersOf(ns: string, kind: Channel['kind'], name: string): Counters {
    const key = counterKey(ns, kind, name);
    let c = this.counters.get(key);
    if (!c) {
      c = { ready: 0, inFlight: 0, delayed: 0, deadLettered: 0, published: 0, acked: 0, redelivered: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  private addTotals(ns: string, kind: Channel['kind'], name: string, field: keyof Totals, n: number): void {
    if (n === 0) return;
    this.countersOf(ns, kind, name)[field] += n;
    const key = counterKey(ns, kind, name);
    let t = this.dirtyTotals.get(key);
    if (!t) this.dirtyTotals.set(key, (t = { published: 0, acked: 0, redelivered: 0 }));
    t[field] += n;
  }

  private flushTotals(): void {
    for (const [key, t] of this.dirtyTotals) {
      const [ns, kind, name] = key.split('\0');
      this.s.addTotals.run(t.published, t.acked, t.redelivered, ns, Number(kind), name);
    }
    this.dirtyTotals.clear();
  }

  /** A failed write as callers see it (UNAVAILABLE for a disk that cannot take it), said once in the log. */
  private failure(error: unknown): unknown {
    const mapped = toStoreFailure(error);
    if (mapped !== error) this.outage.failed(`${(error as Error).message} (${String((error as { code?: unknown }).code)}, DATA_DIR=${JSON.stringify(this.dataDir)})`);
    return mapped;
  }

  private reloadCounters(): void {
    try {
      this.loadCounters();
      this.countersStale = false;
    } catch {
      // Health (ping) tries again; until then stats may be off, which is better than a crash in a commit callback.
      this.countersStale = true;
    }
  }

  /** Rebuilds the live counts from the tables (at open, and after a failed commit). */
  private loadCounters(): void {
    this.counters.clear();
    this.dirtyTotals.clear();
    for (const r of this.s.loadChannels.all() as { ns: string; kind: number; name: string; published: number; acked: number; redelivered: number }[]) {
      const c = this.countersOf(r.ns, KIND_NAMES[r.kind], r.name);
      c.published = r.published;
      c.acked = r.acked;
      c.redelivered = r.redelivered;
    }
    for (const r of this.s.countStates.all() as { ns: string; kind: number; channel: string; state: number; n: number }[]) {
      this.countersOf(r.ns, KIND_NAMES[r.kind], r.channel)[STATE_NAMES[r.state]] += r.n;
    }
  }

  private knownKey(channel: Channel, key: string, now: number): string | undefined {
    const hit = this.s.getKey.get(channel.ns, KIND[channel.kind], channel.name, key, now) as { id: string } | undefined;
    return hit?.id;
  }

  private prepare(db: Database) {
    const st = (sql: string): Statement => db.prepare(sql);
    return {
      ping: st('SELECT 1'),
      probe: st('INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)'),
      insert: st(
        `INSERT INTO messages (ns, kind, channel, client, id, state, priority, payload, headers, published_at, available_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      claim: st(
        `UPDATE messages SET state = 2, attempts = attempts + 1, holder = ?, deadline = ?
         WHERE seq IN (SELECT seq FROM messages INDEXED BY messages_ready
                       WHERE ns = ? AND kind = ? AND channel = ? AND client = ? AND state = 0 ORDER BY priority DESC, seq LIMIT ?)
         RETURNING ${ROW_COLUMNS}`,
      ),
      peekReady: st(
        `SELECT ${ROW_COLUMNS} FROM messages INDEXED BY messages_ready
         WHERE ns = ? AND kind = ? AND channel = ? AND client = ? AND state = 0 AND (expires_at = 0 OR expires_at > ?)
         ORDER BY priority DESC, seq LIMIT ?`,
      ),
      byRef: st(`SELECT ${ROW_COLUMNS} FROM messages WHERE ns = ? AND id = ? AND client = ?`),
      // In-flight rows are few (bounded by consumers' prefetch): scanning them beats an index written per claim.
      heldBy: st(`SELECT ${ROW_COLUMNS} FROM messages INDEXED BY messages_inflight WHERE state = 2 AND holder = ? ORDER BY seq`),
      heldIn: st(
        `SELECT ${ROW_COLUMNS} FROM messages INDEXED BY messages_inflight WHERE state = 2 AND holder = ? AND ns = ? AND kind = ? AND channel = ? AND client = ? ORDER BY seq`,
      ),
      toInFlight: st('UPDATE messages SET state = 2, attempts = attempts + 1, holder = ?, deadline = ? WHERE seq = ?'),
      toReady: st('UPDATE messages SET state = 0, holder = NULL, deadline = 0 WHERE seq = ?'),
      toDelayed: st('UPDATE messages SET state = 1, holder = NULL, deadline = 0, available_at = ? WHERE seq = ?'),
      toDead: st('UPDATE messages SET state = 3, holder = NULL, deadline = 0, reason = ?, dead_at = ? WHERE seq = ?'),
      redrive: st('UPDATE messages SET state = 0, attempts = 0, expires_at = 0, reason = NULL, dead_at = 0, available_at = ? WHERE seq = ?'),
      ackHeld: st('DELETE FROM messages WHERE ns = ? AND id = ? AND client = ? AND state = 2 AND holder = ? RETURNING ns, kind, channel, state'),
      ackCopy: st('DELETE FROM messages WHERE ns = ? AND id = ? AND client = ? AND kind = 1 AND state IN (0, 2) RETURNING ns, kind, channel, state'),
      purge: st('DELETE FROM messages WHERE ns = ? AND kind = ? AND channel = ? AND client = ? AND state = 0'),
      dueDelayed: st(`SELECT ${ROW_COLUMNS} FROM messages WHERE state = 1 AND available_at <= ? ORDER BY available_at LIMIT ?`),
      dueInFlight: st(`SELECT ${ROW_COLUMNS} FROM messages WHERE state = 2 AND deadline <= ? ORDER BY deadline LIMIT ?`),
      allInFlight: st(`SELECT ${ROW_COLUMNS} FROM messages WHERE state = 2 ORDER BY seq LIMIT ?`),
      dueExpiry: st(`SELECT ${ROW_COLUMNS} FROM messages WHERE expires_at > 0 AND expires_at <= ? AND state IN (0, 1) LIMIT ?`),
      nextDue: st(
        `SELECT (SELECT MIN(available_at) FROM messages WHERE state = 1) AS a,
                (SELECT MIN(deadline) FROM messages WHERE state = 2) AS d,
                (SELECT MIN(expires_at) FROM messages WHERE expires_at > 0 AND state IN (0, 1)) AS e`,
      ),
      deadIn: st(
        `SELECT ${ROW_COLUMNS}, reason, dead_at FROM messages WHERE ns = ? AND kind = ? AND channel = ? AND state = 3
         ORDER BY dead_at, seq LIMIT ?`,
      ),
      oldestReady: st('SELECT MIN(published_at) AS at FROM messages WHERE ns = ? AND kind = ? AND channel = ? AND state = 0'),
      // published_at grows with seq, so the first ready row by seq of each priority holds the minimum.
      oldestReadyInQueue: st(
        `WITH p(v) AS (VALUES (9), (8), (7), (6), (5), (4), (3), (2), (1), (0))
         SELECT MIN((SELECT published_at FROM messages INDEXED BY messages_ready
                     WHERE ns = ? AND kind = ? AND channel = ? AND client = ? AND state = 0 AND priority = p.v ORDER BY seq LIMIT 1)) AS at
         FROM p`,
      ),
      declare: st('INSERT OR IGNORE INTO channels (ns, kind, name, created_at) VALUES (?, ?, ?, ?)'),
      addTotals: st('UPDATE channels SET published = published + ?, acked = acked + ?, redelivered = redelivered + ? WHERE ns = ? AND kind = ? AND name = ?'),
      loadChannels: st('SELECT ns, kind, name, published, acked, redelivered FROM channels'),
      countStates: st('SELECT ns, kind, channel, state, COUNT(*) AS n FROM messages GROUP BY ns, kind, channel, state'),
      listChannels: st('SELECT name FROM channels WHERE ns = ? AND kind = ? ORDER BY name'),
      getKey: st('SELECT id FROM dedup WHERE ns = ? AND kind = ? AND channel = ? AND key = ? AND expires_at > ?'),
      putKey: st('INSERT OR REPLACE INTO dedup (ns, kind, channel, key, id, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      dropKeys: st('DELETE FROM dedup WHERE expires_at <= ?'),
      members: st('SELECT client FROM members WHERE ns = ? AND room = ? ORDER BY client'),
      join: st('INSERT OR IGNORE INTO members (ns, room, client, joined_at) VALUES (?, ?, ?, ?)'),
      leave: st('DELETE FROM members WHERE ns = ? AND room = ? AND client = ?'),
      memberships: st('SELECT room FROM members WHERE ns = ? AND client = ? ORDER BY room'),
      memberCount: st('SELECT COUNT(*) AS n FROM members WHERE ns = ? AND room = ?'),
    };
  }
}

function counterKey(ns: string, kind: Channel['kind'], name: string): string {
  return `${ns}\0${KIND[kind]}\0${name}`;
}

function channelOf(row: Row): Channel {
  return { ns: row.ns, kind: KIND_NAMES[row.kind], name: row.channel, client: row.client };
}

function channelKey(c: Channel): string {
  return `${c.ns}\0${c.kind}\0${c.name}\0${c.client}`;
}

function toDelivery(row: Row, channel: Channel, attempt: number): Delivery {
  return { id: row.id, channel, payload: row.payload, headers: decodeHeaders(row.headers), attempt, publishedAt: row.published_at };
}

function sameChannel(row: Row, c: Channel): boolean {
  return row.ns === c.ns && KIND_NAMES[row.kind] === c.kind && row.channel === c.name && row.client === c.client;
}

function minDefined(values: (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length ? Math.min(...defined) : null;
}
