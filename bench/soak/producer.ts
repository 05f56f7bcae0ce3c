import { io, Socket } from 'socket.io-client';
import { MinuteCounters, PUBLISHED, SeqFlags } from './tally.js';

/** A publish not answered within this counts as failed (a later answer is ignored). */
const ANSWER_TIMEOUT_MS = 10_000;
const TICK_MS = 10;

interface Answer {
  ok: boolean;
  error?: { code: string; message: string };
}

/** A typical small order event, about 150 bytes of JSON; `seq` lets the consumers check delivery. */
const payload = (seq: number) => ({ seq, orderId: `A-${seq}`, store: 'acme-widgets', customer: 'Ada Lovelace', address: '1 Analytical Way', items: 3 });

/**
 * One socket publishing `publish { queue, payload }`, one message per event, at `rate` a second. Every 10 ms
 * tick adds the tokens earned since the last tick and spends them, so the load is smooth rather than a
 * burst each second. The bucket holds at most 100 ms of tokens (a stalled client catches up a little, not
 * with a burst), and at most 2 s of publishes may be unanswered (a stalled server is not buried either);
 * either limit shows as a shortfall against the target in the minute's `published`.
 */
export class PacedProducer {
  /** Sequence numbers handed out so far: the next publish gets this one. */
  sent = 0;
  /** Publishes answered `{ ok: true }` / failed, over the whole run. */
  confirmed = 0;
  failed = 0;
  readonly errors = new Map<string, number>();
  private socket: Socket | null = null;
  private readonly outstanding = new Map<number, number>();
  private tokens = 0;
  private lastTick = 0;
  private ticker: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly burst: number;
  private readonly maxOutstanding: number;

  constructor(
    private readonly url: string,
    private readonly queue: string,
    private readonly rate: number,
    private readonly counters: MinuteCounters,
    private readonly flags: SeqFlags,
  ) {
    this.burst = Math.max(1, rate / 10);
    this.maxOutstanding = Math.max(100, rate * 2);
  }

  async start(): Promise<void> {
    await this.open();
    this.lastTick = performance.now();
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.sweeper = setInterval(() => this.sweep(), 1000);
  }

  /** Stops publishing and waits (up to the answer timeout) for the answers still due. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    const until = performance.now() + ANSWER_TIMEOUT_MS;
    while (this.outstanding.size > 0 && performance.now() < until && this.socket?.connected) await new Promise((r) => setTimeout(r, 50));
    this.sweep(-1); // whatever is still unanswered now never will be
    if (this.sweeper) clearInterval(this.sweeper);
    this.socket?.disconnect();
  }

  private async open(): Promise<void> {
    const socket = io(`${this.url}/events`, { transports: ['websocket'], forceNew: true, reconnection: false });
    this.socket = socket;
    socket.on('disconnect', () => {
      if (this.stopped || this.socket !== socket) return;
      // The answers to what was outstanding are gone with the connection: count those publishes as failed
      // (some may be stored all the same, and are then delivered; the end-of-run checks allow for that).
      this.counters.drops++;
      this.fail('DISCONNECTED', this.outstanding.size);
      this.outstanding.clear();
      this.socket = null;
      setTimeout(() => void this.open().catch(() => undefined), 1000);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  }

  private tick(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (this.rate * (now - this.lastTick)) / 1000);
    this.lastTick = now;
    const socket = this.socket;
    if (!socket?.connected) return;
    const n = Math.min(Math.floor(this.tokens), this.maxOutstanding - this.outstanding.size);
    for (let i = 0; i < n; i++) this.send(socket, now);
    if (n > 0) this.tokens -= n;
  }

  private send(socket: Socket, now: number): void {
    const seq = this.sent++;
    this.outstanding.set(seq, now);
    socket.emit('publish', { queue: this.queue, payload: payload(seq) }, (answer: Answer) => {
      const sentAt = this.outstanding.get(seq);
      if (sentAt === undefined) return; // already counted as failed by the sweep
      this.outstanding.delete(seq);
      if (answer.ok) {
        this.confirmed++;
        this.counters.published++;
        this.counters.publishRtt.record(performance.now() - sentAt);
        this.flags.set(seq, PUBLISHED);
      } else this.fail(answer.error?.code ?? 'NO_CODE', 1);
    });
  }

  /** Fails the publishes unanswered for longer than `timeoutMs` (the Map keeps them oldest first). */
  private sweep(timeoutMs = ANSWER_TIMEOUT_MS): void {
    const now = performance.now();
    let expired = 0;
    for (const [seq, sentAt] of this.outstanding) {
      if (now - sentAt <= timeoutMs) break;
      this.outstanding.delete(seq);
      expired++;
    }
    if (expired > 0) this.fail('TIMEOUT', expired);
  }

  private fail(code: string, n: number): void {
    if (n === 0) return;
    this.failed += n;
    this.counters.publishFailed += n;
    this.errors.set(code, (this.errors.get(code) ?? 0) + n);
  }
}
