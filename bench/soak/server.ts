import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CourierNode, ensureBuilt } from '../../test/support/redis.js';
import type { QueueStats } from '../../src/queue/queue-stats.js';
import { sleep } from '../../test/support/wait-for.js';

/** Linux's USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The part of the REST QueueStats the soak reads. */
export type QueueDepth = Pick<QueueStats, 'ready' | 'inFlight' | 'delayed' | 'deadLettered' | 'published' | 'acked'>;

export interface EventLoopDelay {
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * The Courier process under soak: `node dist/main.js` with STORE=sqlite in a fresh temp DATA_DIR (built
 * first when dist is older than src), and the probes the soak reads it through.
 */
export class SoakServer {
  /** Server log lines at warn (40) or above, counted; the first few are kept for the report. */
  warnings = 0;
  errors = 0;
  readonly firstProblems: string[] = [];
  private partial = '';

  private constructor(
    readonly node: CourierNode,
    private readonly dataDir: string,
  ) {
    node.child.stdout!.on('data', (chunk: string) => this.scan(chunk));
  }

  static async start(env: Record<string, string>): Promise<SoakServer> {
    await buildWithRetries();
    const dataDir = mkdtempSync(join(tmpdir(), 'courier-soak-'));
    try {
      // Everything the soak's figures depend on is given, so a variable in the caller's shell cannot change them.
      const node = await CourierNode.start({ STORE: 'sqlite', DATA_DIR: dataDir, API_KEYS: '', JWT_SECRET: '', RATE_LIMIT_SOCKET: '0', ACK_TIMEOUT_MS: '30000', MAX_ATTEMPTS: '5', LOG_LEVEL: 'warn', ...env });
      return new SoakServer(node, dataDir);
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }

  get pid(): number {
    return this.node.child.pid!;
  }

  get url(): string {
    return this.node.url;
  }

  /** VmRSS of the server process in MB. */
  rssMb(): number {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!match) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(match[1]) / 1024;
  }

  /** CPU seconds (user + system, all threads) the server has used so far. */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces: state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  }

  /**
   * The event-loop delay since the previous call, from prom-client's default metrics. prom-client 15
   * (lib/metrics/eventLoopLag.js) keeps one `perf_hooks.monitorEventLoopDelay` histogram, copies its
   * p99/max/... into gauges when /metrics is scraped and then calls `histogram.reset()`: each scrape covers
   * exactly the time since the one before. So the soak scrapes once at the start (to discard start-up) and
   * then once at each minute's end, and nothing else may scrape this server meanwhile. The histogram
   * records the time between its 10 ms timer's runs, so an idle loop reads about 10 ms, not 0.
   */
  async eventLoopDelay(): Promise<EventLoopDelay> {
    const response = await fetch(`${this.url}/metrics`);
    if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
    const text = await response.text();
    const gauge = (suffix: string): number => {
      const match = new RegExp(`^\\w*eventloop_lag_${suffix}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      if (!match) throw new Error(`GET /metrics has no *_eventloop_lag_${suffix}_seconds series`);
      return Number(match[1]) * 1000;
    };
    return { p99Ms: gauge('p99'), maxMs: gauge('max') };
  }

  async depth(queue: string): Promise<QueueDepth> {
    const response = await fetch(`${this.url}/api/namespaces/events/queues/${encodeURIComponent(queue)}`);
    if (response.status !== 200) throw new Error(`GET queue stats answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as QueueDepth;
  }

  /** The last lines the server wrote, for a report after it died. */
  tail(lines = 20): string {
    return this.node.output.join('').split('\n').slice(-lines).join('\n');
  }

  /** Keeps the output buffer of CourierNode from growing through a long run (the counts above stay). */
  trimOutput(): void {
    const chunks = this.node.output;
    if (chunks.length > 200) chunks.splice(0, chunks.length - 200);
  }

  /** SIGTERM (the graceful stop of contract §1), SIGKILL if it is not gone in 10 s; then the data dir goes. */
  async stop(): Promise<void> {
    if (this.node.running) {
      const killer = setTimeout(() => this.node.child.kill('SIGKILL'), 10_000);
      await this.node.kill('SIGTERM');
      clearTimeout(killer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Last resort from a process 'exit' handler, where nothing asynchronous runs any more. */
  killNow(): void {
    if (this.node.running) this.node.child.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private scan(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      const level = /"level":(\d+)/.exec(line);
      if (!level || Number(level[1]) < 40) continue;
      if (Number(level[1]) >= 50) this.errors++;
      else this.warnings++;
      if (this.firstProblems.length < 5) this.firstProblems.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    }
  }
}

/** src/ may be mid-edit when the build runs; a failed build is retried twice, 20 s apart. */
async function buildWithRetries(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureBuilt();
    } catch (error) {
      if (attempt === 3) throw error;
      console.error(`build failed (attempt ${attempt} of 3), retrying in 20 s:\n${(error as Error).message.slice(0, 2000)}`);
      await sleep(20_000);
    }
  }
}
