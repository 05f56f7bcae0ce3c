import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'dist/main.js';

/** pino's numeric levels. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** One JSON line of the child's stdout. */
export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

/**
 * `node dist/main.js` as a child, like CourierNode, but keeping stdout (the pino JSON lines) and stderr
 * apart: the fault scenarios judge what is logged at which level, and start-up failures by their stderr.
 * `restart()` runs a new process with the same environment (so on the same DATA_DIR).
 */
export class FaultNode {
  private stdoutText = '';
  private stderrText = '';

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly env: Readonly<Record<string, string>>,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdoutText += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
  }

  /** Starts a node on a free port and waits until GET /health answers 200. */
  static async start(env: Record<string, string>): Promise<FaultNode> {
    const node = FaultNode.spawn(env, await freePort());
    try {
      await waitFor(
        async () => {
          if (!node.running) throw new Error(`courier exited (${node.child.exitCode ?? node.child.signalCode}) before it was healthy:\n${node.stderr}\n${node.stdout}`);
          return (await fetch(`${node.url}/health`).catch(() => null))?.status === 200;
        },
        `courier on ${node.url} to be healthy`,
        20_000,
        50,
      );
    } catch (error) {
      await node.kill();
      throw error;
    }
    return node;
  }

  /** Spawns without waiting for anything (start-up failures are judged by the exit). */
  static spawn(env: Record<string, string>, port: number): FaultNode {
    const full = { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env };
    const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    return new FaultNode(child, `http://127.0.0.1:${port}`, env);
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A position in the log: `logs(mark)` returns only what was logged after it. */
  mark(): number {
    return this.stdoutText.length;
  }

  /** The JSON lines of stdout (after `since`); other lines are skipped. */
  logs(since = 0): LogLine[] {
    const lines: LogLine[] = [];
    for (const text of this.stdoutText.slice(since).split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        const line = JSON.parse(text) as LogLine;
        if (typeof line.level === 'number') lines.push(line);
      } catch {
        // A line cut in half by a kill: not a log line.
      }
    }
    return lines;
  }

  /**
   * Lines at `minLevel` or above that the server logged by itself, not in a request's context: pino-http
   * logs every 5xx answer at error (saying nothing of the cause), and terminus logs each failed /health
   * probe; neither is the server telling its operator what went wrong.
   */
  faultLines(since = 0, minLevel: number = LEVEL.error): LogLine[] {
    // The server's own lines, wherever they were logged (a store fault is often first met inside a request),
    // without pino-http's per-request summaries (they carry `res`) and terminus's per-probe health failures.
    return this.logs(since).filter((line) => line.level >= minLevel && line.res === undefined && line.context !== 'HealthCheckService');
  }

  /** Resolves with the exit code once the process ended (null if it ended by a signal). */
  async exited(): Promise<number | null> {
    if (this.running) await once(this.child, 'exit');
    return this.child.exitCode;
  }

  /** SIGKILL (default) or another signal; resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }

  /** SIGTERM and the exit code; SIGKILL after `graceMs` (then the exit code is null). */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    return this.child.exitCode;
  }

  /** A new process with the same environment (and so the same DATA_DIR or REDIS_PREFIX), on a new port. */
  restart(): Promise<FaultNode> {
    return FaultNode.start({ ...this.env });
  }
}

/** What a process that was meant to refuse to start did. */
export interface StartFailure {
  code: number | null;
  signal: NodeJS.Signals | null;
  elapsedMs: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/main.js` with `env` until it exits (killed after `timeoutMs`, then `signal` is SIGKILL). */
export async function runUntilExit(env: Record<string, string>, timeoutMs = 10_000): Promise<StartFailure> {
  const started = Date.now();
  const node = FaultNode.spawn(env, await freePort());
  const exited = once(node.child, 'exit');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
  return { code: node.child.exitCode, signal: node.child.signalCode, elapsedMs: Date.now() - started, stdout: node.stdout, stderr: node.stderr };
}

/** A log line in a few words for an assertion's diff: its level, context and message (and error message). */
export function describeLine(line: LogLine): string {
  const err = line.err as { message?: string } | undefined;
  return [`level ${line.level}`, line.context, line.msg, err?.message].filter((part) => part !== undefined && part !== '').join(': ').slice(0, 300);
}
