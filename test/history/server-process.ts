import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');
/** Lines of server output kept for a failure message (the log level is warn: few lines). */
const KEPT_LINES = 200;

/**
 * One Courier node as `node dist/main.js`, restartable on the same port and environment (so on the same
 * DATA_DIR): a restarted server is the same address to its clients, as after a real crash and restart.
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the server wrote, for a failure message. */
  output(): string {
    return [...this.lines, this.partial].join('\n');
  }

  /** Spawns the process (`onSpawn` runs before it can accept a connection), then waits for /health 200. */
  async start(onSpawn: () => void = () => undefined, timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error(`server on port ${this.port} is already running`);
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: String(this.port), LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = once(child, 'exit').then(() => undefined);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => this.keep(chunk));
    }
    onSpawn();
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`server on port ${this.port} exited with ${child.exitCode ?? child.signalCode} while starting:\n${this.output()}`);
      const status = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > until) {
        await this.stop('SIGKILL');
        throw new Error(`server on port ${this.port} not healthy within ${timeoutMs} ms (last status ${status}):\n${this.output()}`);
      }
      await sleep(50);
    }
  }

  /** Sends `signal` and resolves once the process is gone, with its exit code (null when killed by a signal). */
  async stop(signal: NodeJS.Signals): Promise<{ exitCode: number | null; exitedAt: number }> {
    const child = this.child;
    if (!child || !this.running) return { exitCode: child?.exitCode ?? null, exitedAt: Date.now() };
    child.kill(signal);
    await this.exited;
    return { exitCode: child.exitCode, exitedAt: Date.now() };
  }

  private keep(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
  }
}
