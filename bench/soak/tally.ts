/**
 * Client-side counting for the soak: per-minute counters, a latency histogram cheap enough for thousands of
 * samples a second, and one flag byte per message sequence number for the delivery checks at the end.
 */

/** What the load generator saw during one minute; `take()` hands the figures over and starts a new minute. */
export class MinuteCounters {
  published = 0;
  publishFailed = 0;
  delivered = 0;
  redelivered = 0;
  acked = 0;
  ackRefused = 0;
  reconnects = 0;
  drops = 0;
  /** Publish emitted → `{ ok }` answered. */
  readonly publishRtt = new Histogram();
  /** publishedAt → first delivery received (ms resolution: publishedAt has no finer). */
  readonly deliveryLag = new Histogram();

  take(): MinuteFigures {
    const figures: MinuteFigures = {
      published: this.published,
      publishFailed: this.publishFailed,
      delivered: this.delivered,
      redelivered: this.redelivered,
      acked: this.acked,
      ackRefused: this.ackRefused,
      reconnects: this.reconnects,
      drops: this.drops,
      publishRttP99Ms: this.publishRtt.percentile(99),
      deliveryLagP99Ms: this.deliveryLag.percentile(99),
    };
    this.published = this.publishFailed = this.delivered = this.redelivered = this.acked = 0;
    this.ackRefused = this.reconnects = this.drops = 0;
    this.publishRtt.reset();
    this.deliveryLag.reset();
    return figures;
  }
}

export interface MinuteFigures {
  readonly published: number;
  readonly publishFailed: number;
  readonly delivered: number;
  readonly redelivered: number;
  readonly acked: number;
  readonly ackRefused: number;
  readonly reconnects: number;
  readonly drops: number;
  readonly publishRttP99Ms: number;
  readonly deliveryLagP99Ms: number;
}

/**
 * Fixed 0.1 ms buckets up to 10 s plus one overflow bucket: recording is one array increment, so the
 * client spends nothing noticeable on it at thousands of samples a second (a sorted array would).
 */
export class Histogram {
  private static readonly STEP_MS = 0.1;
  private readonly buckets = new Uint32Array(100_001);
  private count = 0;

  record(ms: number): void {
    const i = Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms / Histogram.STEP_MS)));
    this.buckets[i]++;
    this.count++;
  }

  /** The p-th percentile in ms (NaN when empty; 10000 stands for "10 s or more"). */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return i * Histogram.STEP_MS;
    }
    return (this.buckets.length - 1) * Histogram.STEP_MS;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
  }
}

export const PUBLISHED = 1;
export const DELIVERED = 2;
export const ACKED = 4;

/**
 * One byte of flags per sequence number, in chunks allocated as the run goes (a 60-minute run at 2,000
 * msg/s is 7.2 M messages: 7 MB, where a Set of numbers would take well over 100 MB).
 */
export class SeqFlags {
  private static readonly CHUNK = 1 << 20;
  private readonly chunks: Uint8Array[] = [];

  set(seq: number, flag: number): void {
    const c = Math.floor(seq / SeqFlags.CHUNK);
    while (this.chunks.length <= c) this.chunks.push(new Uint8Array(SeqFlags.CHUNK));
    this.chunks[c][seq % SeqFlags.CHUNK] |= flag;
  }

  has(seq: number, flag: number): boolean {
    const chunk = this.chunks[Math.floor(seq / SeqFlags.CHUNK)];
    return chunk !== undefined && (chunk[seq % SeqFlags.CHUNK] & flag) !== 0;
  }

  /** Sequence numbers below `end` that have flag `all` but not `missing`, and a few of them as examples. */
  countWithout(end: number, all: number, missing: number): { count: number; examples: number[] } {
    let count = 0;
    const examples: number[] = [];
    for (let seq = 0; seq < end; seq++) {
      if (this.has(seq, all) && !this.has(seq, missing)) {
        count++;
        if (examples.length < 5) examples.push(seq);
      }
    }
    return { count, examples };
  }
}
