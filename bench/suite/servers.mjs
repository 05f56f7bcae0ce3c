/**
 * Starting and stopping the systems under test, each in its own process, and reading their RSS and CPU
 * from /proc. Courier runs as `node dist/main.js` (build first); RabbitMQ is the broker already running
 * on this machine, so its "process" is the Erlang VM found by name.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './stats.mjs';

export const SUITE_DIR = new URL('.', import.meta.url).pathname;
export const REPO_DIR = join(SUITE_DIR, '..', '..');
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Every system the suite knows, in table order. */
export const SYSTEMS = ['courier-sqlite', 'courier-memory', 'courier-redis', 'raw-socketio', 'rabbitmq'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (VmRSS), or null when it is gone. */
export function rssBytes(pid) {
  return memoryOf(pid)?.rss ?? null;
}

/**
 * VmRSS split as the kernel reports it: `anon` (heaps, malloc) and `file` (mapped files — for Courier on
 * SQLite that includes the database pages it maps with mmap_size, which the kernel can drop at will).
 */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return null;
  }
}

const TICK_MS = 1000 / Number(safeExec('getconf', ['CLK_TCK']) || 100);

/** CPU time (user + system) a process has used, in ms. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

function safeExec(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

async function waitForHealth(url, child, log, ms = 30000) {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${tail(log)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`server not healthy after ${ms} ms: ${tail(log)}`);
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

function stopChild(child, ms = 12000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Spawns `node <args>` through a shell that first raises the open-files limit (W6 holds 10,000 sockets). */
function spawnNode(args, env, logFile) {
  const fd = openSync(logFile, 'a');
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec node ${quoted}`], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  return child;
}

/**
 * Starts one system. Returns { system, url, pid, stop() }; `pid` is the process whose RSS and CPU count
 * as the server's. `profileDir` runs Courier under --cpu-prof, the profile written there on stop.
 */
export async function startSystem(system, { profileDir } = {}) {
  if (system === 'rabbitmq') {
    const pid = Number(safeExec('pgrep', ['-o', '-x', 'beam.smp'])) || null;
    return { system, url: RABBITMQ_URL, pid, stop: async () => {} };
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), `courier-bench-${system}-`));
  const log = join(dir, 'server.log');
  let child;
  let cleanup = async () => {};
  if (system === 'raw-socketio') {
    child = spawnNode([join(SUITE_DIR, 'raw-socketio-server.mjs')], { PORT: String(port), HOST: '127.0.0.1' }, log);
  } else {
    const store = system.replace('courier-', '');
    const prefix = `courier-bench-${process.pid}-${port}:`;
    const env = {
      STORE: store,
      DATA_DIR: join(dir, 'data'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      ACK_TIMEOUT_MS: '600000',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      NODE_ENV: 'production',
    };
    const args = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, 'dist/main.js'] : ['dist/main.js'];
    child = spawnNode(args, env, log);
    if (store === 'redis') cleanup = () => deleteRedisKeys(prefix);
  }
  try {
    await waitForHealth(url, child, log);
  } catch (error) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    await cleanup().catch(() => undefined);
    throw error;
  }
  return {
    system,
    url,
    pid: child.pid,
    log,
    async stop() {
      await stopChild(child);
      await cleanup().catch((e) => process.stderr.write(`redis cleanup: ${e.message}\n`));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Removes the keys one Courier run left in Redis (its own REDIS_PREFIX only). */
async function deleteRedisKeys(prefix) {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Whether a system's external dependency answers, so a missing broker skips rather than fails the suite. */
export async function available(system) {
  const probe = (host, port) =>
    new Promise((resolve) => {
      import('node:net').then(({ connect }) => {
        const s = connect(port, host);
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
    });
  if (system === 'rabbitmq') {
    const u = new URL(RABBITMQ_URL);
    return probe(u.hostname, Number(u.port || 5672));
  }
  if (system === 'courier-redis') {
    const u = new URL(REDIS_URL);
    return probe(u.hostname, Number(u.port || 6379));
  }
  return true;
}
