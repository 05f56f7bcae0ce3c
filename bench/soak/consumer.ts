import { io, Socket } from 'socket.io-client';
import { ACKED, DELIVERED, MinuteCounters, SeqFlags } from './tally.js';

interface Delivery {
  id: string;
  payload: { seq?: unknown };
  attempt: number;
  publishedAt: string;
}

interface Answer {
  ok: boolean;
  error?: { code: string; message: string };
}

/** Each consumer drops its connection and opens a new one every 20–40 s (drawn afresh each time). */
const CYCLE_MIN_MS = 20_000;
const CYCLE_SPREAD_MS = 20_000;
/** After an unexpected disconnect, wait this long before connecting again. */
const RETRY_MS = 1000;

/** What the consumers saw that breaks the contract, with a few examples for the report. */
export class Violations {
  /** A delivery of a message whose ack was already answered `{ ok: true }` (contract §2: never again). */
  afterAck = 0;
  /** An `ack { id }` refused for a message this live socket had just been handed. */
  ackRefused = new Map<string, number>();
  readonly examples: string[] = [];

  note(example: string): void {
    if (this.examples.length < 10) this.examples.push(example);
  }
}

/**
 * A plain socket.io-client consumer: `subscribe { queue, prefetch }`, then `ack { id }` for each message as
 * it arrives. It reconnects on a schedule with a brand-new connection (no socket.io reconnection, whose
 * buffered emits would replay old acks on the new socket), so what it held unacked is released by the
 * server and delivered again, to it or to another consumer.
 */
export class ReconnectingConsumer {
  private socket: Socket | null = null;
  private cycleTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private cycling = true;

  constructor(
    private readonly url: string,
    private readonly queue: string,
    private readonly prefetch: number,
    private readonly counters: MinuteCounters,
    private readonly flags: SeqFlags,
    private readonly violations: Violations,
  ) {}

  /** Connects and subscribes; the first reconnect comes after `firstCycleMs` (consumers are staggered). */
  async start(firstCycleMs: number): Promise<void> {
    await this.open();
    this.cycleTimer = setTimeout(() => void this.cycle(), firstCycleMs);
  }

  /** No more scheduled reconnects (the drain at the end); the connection stays and keeps acking. */
  stopCycling(): void {
    this.cycling = false;
    if (this.cycleTimer) clearTimeout(this.cycleTimer);
  }

  stop(): void {
    this.stopped = true;
    this.stopCycling();
    this.socket?.disconnect();
    this.socket = null;
  }

  private async cycle(): Promise<void> {
    if (this.stopped || !this.cycling) return;
    this.counters.reconnects++;
    const old = this.socket;
    this.socket = null;
    old?.disconnect();
    await this.open().catch(() => this.retryLater());
    if (this.cycling && !this.stopped) this.cycleTimer = setTimeout(() => void this.cycle(), CYCLE_MIN_MS + Math.random() * CYCLE_SPREAD_MS);
  }

  /** Connects again after a drop or a failed attempt, unless a scheduled reconnect got there first. */
  private retryLater(): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (!this.stopped && this.socket === null) void this.open().catch(() => this.retryLater());
    }, RETRY_MS);
  }

  private async open(): Promise<void> {
    const socket = io(`${this.url}/events`, { transports: ['websocket'], forceNew: true, reconnection: false });
    this.socket = socket;
    socket.on('message', (m: Delivery) => this.handle(socket, m));
    socket.on('disconnect', () => {
      if (this.stopped || this.socket !== socket) return; // one we closed ourselves
      this.counters.drops++;
      this.socket = null;
      this.retryLater();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      const answer = (await socket.timeout(10_000).emitWithAck('subscribe', { queue: this.queue, prefetch: this.prefetch })) as Answer;
      if (!answer.ok) throw new Error(`subscribe: ${JSON.stringify(answer.error)}`);
    } catch (error) {
      this.counters.drops++;
      if (this.socket === socket) this.socket = null;
      socket.disconnect();
      throw error;
    }
  }

  private handle(socket: Socket, m: Delivery): void {
    this.counters.delivered++;
    const seq = typeof m.payload?.seq === 'number' ? m.payload.seq : -1;
    if (m.attempt > 1) this.counters.redelivered++;
    else this.counters.deliveryLag.record(Date.now() - Date.parse(m.publishedAt));
    if (seq >= 0) {
      if (this.flags.has(seq, ACKED)) {
        this.violations.afterAck++;
        this.violations.note(`message ${m.id} (seq ${seq}) delivered again (attempt ${m.attempt}) after its ack was answered ok`);
      }
      this.flags.set(seq, DELIVERED);
    }
    socket.emit('ack', { id: m.id }, (answer: Answer) => {
      if (answer.ok) {
        this.counters.acked++;
        if (seq >= 0) this.flags.set(seq, ACKED);
        return;
      }
      const code = answer.error?.code ?? 'NO_CODE';
      this.counters.ackRefused++;
      this.violations.ackRefused.set(code, (this.violations.ackRefused.get(code) ?? 0) + 1);
      this.violations.note(`ack of ${m.id} (seq ${seq}, attempt ${m.attempt}) on the socket that received it answered ${JSON.stringify(answer.error)}`);
    });
  }
}
