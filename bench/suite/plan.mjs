/**
 * What the suite runs: the workloads, their sizes in full and quick mode, which systems each applies
 * to, and the command-line options (`--quick`, `--only W1,W3`, `--systems a,b`, `--runs N`, `--profile`).
 */
import { SYSTEMS } from './servers.mjs';

const SOCKET_IO = ['courier-sqlite', 'courier-memory', 'courier-redis', 'raw-socketio'];
const COURIER = ['courier-sqlite', 'courier-memory', 'courier-redis'];
/** Where the store is not what is being compared, the other two Courier stores run only when named. */
const SQLITE_AND_PEERS = ['courier-sqlite', 'raw-socketio', 'rabbitmq'];
const DURABLE = [...COURIER, 'rabbitmq'];

/**
 * Prefetch: Courier and the raw server take up to 1000 for throughput; RabbitMQ runs at 100 as its
 * docs advise (a larger prefetch did not raise its rate on this machine). Batch: socket.io systems
 * publish 100 per `publishBatch` with 1000 messages unconfirmed; RabbitMQ has no batch publish, so it
 * pipelines single publishes with the same window.
 */
function queueParams(system, { count, consumers, workMs = 0, batched = true, prefetch }) {
  const rabbit = system === 'rabbitmq';
  return {
    count,
    consumers,
    workMs,
    window: 1000,
    batch: rabbit || !batched ? 1 : 100,
    prefetch: rabbit ? 100 : (prefetch ?? 1000),
    timeoutMs: 300000,
  };
}

/**
 * Workloads in run order. `systems` = where it applies (`defaultSystems` = where it runs unless
 * --systems names others); `fresh` = a server of its own per run (RSS is measured); `runs` overrides
 * the run count (the long ones run once in full mode).
 */
export function workloads(quick) {
  const q = (full, small) => (quick ? small : full);
  return [
    {
      id: 'W1',
      title: 'W1 throughput, 1 producer → 1 consumer (publishBatch)',
      kind: 'throughput',
      systems: [...SOCKET_IO, 'rabbitmq'],
      params: (s) => queueParams(s, { count: q(100000, 20000), consumers: 1 }),
    },
    {
      id: 'W1u',
      title: 'W1 unbatched (one publish per message, window 1000)',
      kind: 'throughput',
      systems: SOCKET_IO,
      defaultSystems: SQLITE_AND_PEERS,
      params: (s) => queueParams(s, { count: q(30000, 10000), consumers: 1, batched: false }),
    },
    {
      id: 'W2',
      title: 'W2 competing consumers ×4',
      kind: 'throughput',
      systems: [...SOCKET_IO, 'rabbitmq'],
      params: (s) => queueParams(s, { count: q(100000, 20000), consumers: 4 }),
    },
    {
      id: 'W2b1',
      title: 'W2b 1 ms/message consumers ×1',
      kind: 'throughput',
      systems: [...SOCKET_IO, 'rabbitmq'],
      defaultSystems: SQLITE_AND_PEERS,
      params: (s) => queueParams(s, { count: q(2000, 400), consumers: 1, workMs: 1, prefetch: 100 }),
    },
    {
      id: 'W2b4',
      title: 'W2b 1 ms/message consumers ×4',
      kind: 'throughput',
      systems: [...SOCKET_IO, 'rabbitmq'],
      defaultSystems: SQLITE_AND_PEERS,
      params: (s) => queueParams(s, { count: q(8000, 1600), consumers: 4, workMs: 1, prefetch: 100 }),
    },
    {
      id: 'W3',
      title: 'W3 latency at 2,000 msgs/s, 1 consumer',
      kind: 'latency',
      systems: [...SOCKET_IO, 'rabbitmq'],
      params: () => ({ rate: 2000, seconds: q(10, 2), warmupSeconds: q(1, 0.5), prefetch: 100, timeoutMs: 60000 }),
    },
    {
      id: 'W4',
      title: 'W4 fan-out to 100 live (anonymous) members',
      kind: 'fanout',
      systems: SOCKET_IO,
      params: () => ({ subscribers: 100, messages: q(2000, 200), durable: false, window: 1000, timeoutMs: 120000 }),
    },
    {
      id: 'W4d',
      title: 'W4 fan-out to 100 durable members (each acks)',
      kind: 'fanout',
      systems: DURABLE,
      params: () => ({ subscribers: 100, messages: q(2000, 200), durable: true, window: 1000, timeoutMs: 300000 }),
    },
    {
      id: 'REST1',
      title: 'REST publish, 1 message per request (64 in flight)',
      kind: 'rest',
      systems: COURIER,
      defaultSystems: SQLITE_AND_PEERS,
      params: () => ({ requests: q(5000, 1000), batch: 1, concurrency: 64 }),
    },
    {
      id: 'RESTb',
      title: 'REST publish, 1,000 messages per request (4 in flight)',
      kind: 'rest',
      systems: COURIER,
      defaultSystems: SQLITE_AND_PEERS,
      params: () => ({ requests: q(100, 10), batch: 1000, concurrency: 4 }),
    },
    {
      id: 'W5',
      title: 'W5 deep queue: publish all, then consume',
      kind: 'deep',
      systems: DURABLE,
      // A million persistent messages takes minutes per system: the others run when named in --systems.
      defaultSystems: ['courier-sqlite', 'rabbitmq'],
      fresh: true,
      runs: q(1, 1),
      params: (s) => ({ ...queueParams(s, { count: q(1000000, 20000), consumers: 1 }), timeoutMs: 900000 }),
    },
    {
      id: 'W6',
      title: 'W6 idle Socket.IO connections',
      kind: 'idle',
      systems: SOCKET_IO,
      defaultSystems: ['courier-sqlite', 'raw-socketio'],
      fresh: true,
      runs: 1,
      params: () => ({ connections: q(10000, 1000), processes: q(4, 2) }),
    },
  ];
}

/** Names that pick a workload with its variants. */
const GROUPS = { W1: ['W1', 'W1u'], W2b: ['W2b1', 'W2b4'], W4: ['W4', 'W4d'], REST: ['REST1', 'RESTb'] };

const QUICK_SYSTEMS = ['courier-sqlite', 'raw-socketio', 'rabbitmq'];
const QUICK_WORKLOADS = ['W1', 'W2b1', 'W2b4', 'W3', 'W4', 'W4d', 'W5', 'W6', 'REST1'];

export function parseArgs(argv) {
  const opts = { quick: false, only: null, systems: null, runs: null, profile: false, build: true, out: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    const name = arg.split('=')[0];
    if (name === '--quick') opts.quick = true;
    else if (name === '--only') opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (name === '--systems') opts.systems = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (name === '--runs') opts.runs = Number(value());
    else if (name === '--profile') opts.profile = true;
    else if (name === '--no-build') opts.build = false;
    else if (name === '--out') opts.out = value();
    else if (name === '--help' || name === '-h') opts.help = true;
    else throw new Error(`unknown option ${arg}`);
  }
  const known = workloads(opts.quick).map((w) => w.id);
  for (const w of opts.only ?? []) {
    if (!known.includes(w) && !GROUPS[w]) throw new Error(`unknown workload ${w} (known: ${known.join(', ')}, ${Object.keys(GROUPS).join(', ')})`);
  }
  for (const s of opts.systems ?? []) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (known: ${SYSTEMS.join(', ')})`);
  if (opts.runs !== null && !(Number.isInteger(opts.runs) && opts.runs >= 1)) throw new Error('--runs must be a positive integer');
  return opts;
}

/** The workloads and systems this invocation runs, after the quick-mode subset and the filters. */
export function selection(opts) {
  const wanted = new Set((opts.only ?? []).flatMap((w) => GROUPS[w] ?? [w]));
  const matches = (id) => wanted.has(id);
  const chosen = workloads(opts.quick).filter((w) => (opts.only ? matches(w.id) : !opts.quick || QUICK_WORKLOADS.includes(w.id)));
  const systems = opts.systems ?? (opts.quick ? QUICK_SYSTEMS : SYSTEMS);
  const runs = opts.runs ?? (opts.quick ? 1 : 3);
  return {
    systems,
    runs,
    workloads: chosen
      .map((w) => ({ ...w, systems: (opts.systems ? w.systems : (w.defaultSystems ?? w.systems)).filter((s) => w.systems.includes(s) && systems.includes(s)), runs: opts.runs ?? w.runs ?? runs }))
      .filter((w) => w.systems.length > 0),
  };
}

export const USAGE = `usage: npm run bench -- [--quick] [--only W1,W3] [--systems courier-sqlite,rabbitmq] [--runs N] [--profile] [--no-build]
  --quick     ~1-minute smoke: smaller counts, 1 run, a subset of systems and workloads
  --only      workloads: ${workloads(false).map((w) => w.id).join(', ')} (W2b = W2b1,W2b4; W4 = W4,W4d; REST = REST1,RESTb)
  --systems   ${SYSTEMS.join(', ')}
  --runs      runs per workload (default 3; W5 and W6 run once unless given)
  --profile   run Courier under --cpu-prof; profiles and their top functions land in bench/results/
  --no-build  skip npm run build (dist/main.js must be current)`;
