import { Redis } from 'ioredis';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

/** The Redis the tests use: REDIS_URL, as for the app, else the local default. */
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix no other run or test shares: `courier-test:<random>:`. */
export function uniquePrefix(): string {
  return `courier-test:${randomBytes(6).toString('hex')}:`;
}

/**
 * A plain client for test set-up and clean-up. Fails (never skips) with the line the brief asks for when
 * Redis does not answer, so a missing Redis is a red test, not a silently green one.
 */
export async function connectTestRedis(url = REDIS_URL): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, protocol: 2, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    if (client.status !== 'end') client.disconnect();
    throw new Error(`Redis not reachable at REDIS_URL=${url}: start redis-server (${(error as Error).message})`);
  }
  return client;
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS or FLUSHDB: other runs share this Redis). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Keys under `prefix` (a test checks that nothing is left behind or that a failed call wrote nothing). */
export async function keysByPrefix(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** A TCP port nobody listens on right now (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `probe` like waitFor, counting a throw as "not yet" (a server that is still starting refuses connections). */
async function waitForUp(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => probe().catch(() => false), what, timeoutMs, 50);
}

/**
 * A private redis-server on a free port, with an append-only file fsynced on every write in its own
 * directory, so a test can stop and restart it without losing what it stored (never the shared one).
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'courier-redis-')));
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    this.child = spawn('redis-server', [...args, '--daemonize', 'no'], { stdio: 'ignore' });
    this.child.on('error', () => undefined);
    await waitForUp(async () => {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        // A probe that never connected is already closed: disconnecting it again would leave a 2 s timer.
        if (probe.status !== 'end') probe.disconnect();
      }
    }, `redis-server on port ${this.port}`);
  }

  /** Stops it (SIGTERM: Redis flushes its append-only file and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist/main.js');

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * Runs `npm run build` when dist/main.js is missing or older than a file of src/. A lock directory keeps
 * test files running in parallel from building at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(ROOT, 'node_modules/.courier-build-lock');
  await waitFor(
    () => {
      try {
        mkdirSync(lock);
        return true;
      } catch {
        // A lock older than the longest build is left over from a killed run.
        if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
        return false;
      }
    },
    'the build lock',
    240_000,
    200,
  );
  try {
    const built = existsSync(MAIN) ? statSync(MAIN).mtimeMs : 0;
    if (built >= newest(join(ROOT, 'src'))) return;
    const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** One `node dist/main.js` process: a node of the cluster under test. */
export class CourierNode {
  readonly output: string[] = [];

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => this.output.push(chunk));
    }
  }

  /** Starts a node on a free port with `env` on top of the test's environment, and waits until /health says ok. */
  static async start(env: Record<string, string>): Promise<CourierNode> {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new CourierNode(child, `http://127.0.0.1:${port}`);
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode}: ${node.output.join('')}`);
          return (await fetch(`${node.url}/health`).catch(() => null))?.status === 200;
        },
        `node on port ${port} to be healthy`,
        20_000,
        50,
      );
    } catch (error) {
      await node.kill();
      throw error;
    }
    return node;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9 (default) or another signal; resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}
