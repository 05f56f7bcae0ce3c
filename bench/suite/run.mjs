/**
 * `npm run bench`: Courier (sqlite, memory, redis) side by side with a raw Socket.IO server and RabbitMQ,
 * each server in its own process and each load generator in another. Runs are interleaved (run 1 of every
 * workload on every system, then run 2, …) so machine noise falls on all systems alike.
 * Writes bench/results/<name>.json and .svg and prints the table and the targets; see bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chart } from './chart.mjs';
import { formatSummary, summariseProfile } from './cpuprofile-top.mjs';
import { parseArgs, selection, USAGE } from './plan.mjs';
import { derive, evaluateTargets, summariseRuns, table, targetLines } from './report.mjs';
import { available, cpuMs, memoryOf, REPO_DIR, rssBytes, startSystem, SUITE_DIR } from './servers.mjs';
import { sleep } from './stats.mjs';

const RESULTS_DIR = join(REPO_DIR, 'bench', 'results');
const log = (line) => process.stderr.write(`${line}\n`);

/** Servers and generators alive now, stopped if the suite is interrupted. */
const live = { servers: new Set(), children: new Set() };
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    interrupted = true;
    log(`${signal}: stopping servers`);
    for (const c of live.children) c.kill('SIGKILL');
    await Promise.all([...live.servers].map((s) => s.stop().catch(() => undefined)));
    process.exit(130);
  });
}

async function start(system, options) {
  const server = await startSystem(system, options);
  live.servers.add(server);
  return server;
}

async function stop(server) {
  live.servers.delete(server);
  await server.stop();
}

/** Runs the generator for one workload on one system, sampling the server's RSS per phase. */
function runGenerator(server, workload, system) {
  const params = workload.params(system);
  const task = { system, url: server.url, kind: workload.kind, params };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(SUITE_DIR, 'generator.mjs')], {
      env: { ...process.env, BENCH_TASK: JSON.stringify(task) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.children.add(child);
    const rss = {};
    let phase = 'run';
    const sample = () => {
      const m = server.pid ? memoryOf(server.pid) : null;
      if (!m) return;
      const r = (rss[phase] ??= { first: m.rss, peak: m.rss, last: m.rss, anonFirst: m.anon, anonPeak: m.anon, anonLast: m.anon });
      r.peak = Math.max(r.peak, m.rss);
      r.last = m.rss;
      r.anonPeak = Math.max(r.anonPeak, m.anon);
      r.anonLast = m.anon;
    };
    sample();
    const sampler = setInterval(sample, 250);
    const cpu0 = server.pid ? cpuMs(server.pid) : null;
    const t0 = Date.now();
    let result = null;
    let error = null;
    let stderr = '';
    let buf = '';
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const msg = JSON.parse(line);
          if (msg.phase) {
            sample();
            phase = msg.phase;
            sample();
          }
          if (msg.result) result = msg.result;
          if (msg.error) error = msg.error;
        } catch {
          stderr += `${line}\n`;
        }
      }
    });
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const timer = setTimeout(() => {
      error = `generator timed out after ${params.timeoutMs + 60000} ms`;
      child.kill('SIGKILL');
    }, (params.timeoutMs ?? 120000) + 60000);
    child.on('exit', (code) => {
      live.children.delete(child);
      clearTimeout(timer);
      clearInterval(sampler);
      sample();
      const wallMs = Date.now() - t0;
      const cpu1 = server.pid ? cpuMs(server.pid) : null;
      if (!result && !error) error = `generator exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
      resolve({ metrics: result, error, wallMs, serverCpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null, rss, params });
    });
  });
}

/** W6: idle connections from several client processes; the server's RSS before and once all are up. */
async function runIdle(server, workload, system) {
  const params = workload.params(system);
  await sleep(1000);
  const before = rssBytes(server.pid);
  const per = Math.ceil(params.connections / params.processes);
  const t0 = Date.now();
  const children = [];
  const reports = await Promise.all(
    Array.from({ length: params.processes }, (_, i) => {
      const count = Math.min(per, params.connections - i * per);
      const child = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec "${process.execPath}" "${join(SUITE_DIR, 'idle-clients.mjs')}"`], {
        env: { ...process.env, URL: server.url, COUNT: String(count), CONCURRENCY: '50' },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      live.children.add(child);
      child.once('exit', () => live.children.delete(child));
      return new Promise((resolve) => {
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
        });
        child.on('exit', () => resolve({ connected: 0, failed: count }));
      });
    }),
  );
  const connectMs = Date.now() - t0;
  await sleep(2000);
  const after = rssBytes(server.pid);
  const connected = reports.reduce((s, r) => s + r.connected, 0);
  const failed = reports.reduce((s, r) => s + r.failed, 0);
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          c.once('exit', resolve);
          c.stdin.end();
          setTimeout(() => c.kill('SIGKILL'), 10000).unref();
        }),
    ),
  );
  const MB = 1024 * 1024;
  return {
    metrics: {
      connected,
      failed,
      connectSeconds: connectMs / 1000,
      rssBeforeMB: before / MB,
      rssMB: after / MB,
      perConnKB: connected ? (after - before) / 1024 / connected : NaN,
    },
    error: connected < params.connections ? `only ${connected} of ${params.connections} connected (${failed} failed)` : null,
    params,
  };
}

function machine() {
  const git = (args) => {
    try {
      return execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    commit: git(['rev-parse', '--short', 'HEAD']),
    // The build takes the working tree as it is: say so when src/ differs from the commit.
    uncommittedSources: (git(['status', '--porcelain', '--', 'src']) ?? '') !== '',
  };
}

async function versions(systems) {
  const v = {};
  if (systems.includes('rabbitmq')) {
    try {
      const amqp = (await import('amqplib')).default;
      const { RABBITMQ_URL } = await import('./servers.mjs');
      const conn = await amqp.connect(RABBITMQ_URL);
      v.rabbitmq = conn.connection.serverProperties?.version ?? null;
      await conn.close();
    } catch {
      v.rabbitmq = null;
    }
  }
  if (systems.includes('courier-redis')) {
    try {
      const { Redis } = await import('ioredis');
      const { REDIS_URL } = await import('./servers.mjs');
      const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      v.redis = /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? null;
      r.disconnect();
    } catch {
      v.redis = null;
    }
  }
  return v;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sel = selection(opts);
  const skipped = [];
  for (const s of sel.systems) {
    if (!(await available(s))) {
      skipped.push(s);
      log(`skipping ${s}: not reachable`);
    }
  }
  const plan = sel.workloads.map((w) => ({ ...w, systems: w.systems.filter((s) => !skipped.includes(s)) })).filter((w) => w.systems.length);
  const systems = sel.systems.filter((s) => !skipped.includes(s));
  if (opts.build && systems.some((s) => s.startsWith('courier-'))) {
    log('npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: REPO_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const profileDir = opts.profile ? join(os.tmpdir(), `courier-bench-prof-${process.pid}`) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const startedAt = new Date();
  const loadStart = os.loadavg();
  const host = machine();
  log(`load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}; ${plan.length} workloads on ${systems.join(', ')}`);
  const shared = new Map();
  const sharedServer = async (system) => {
    const s = shared.get(system);
    if (s && s.pid && rssBytes(s.pid) !== null) return s;
    if (s) log(`${system} server is gone; starting a new one`);
    const started = await start(system, { profileDir: system.startsWith('courier-') ? profileDir : undefined });
    shared.set(system, started);
    return started;
  };

  const records = [];
  const maxRuns = Math.max(...plan.map((w) => w.runs));
  for (let run = 1; run <= maxRuns; run++) {
    for (const w of plan) {
      if (run > w.runs) continue;
      for (const system of w.systems) {
        if (interrupted) return;
        let server;
        let rec;
        try {
          server = w.fresh ? await start(system) : await sharedServer(system);
          rec = w.kind === 'idle' ? await runIdle(server, w, system) : await runGenerator(server, w, system);
        } catch (error) {
          rec = { metrics: null, error: error.message };
        } finally {
          if (w.fresh && server) await stop(server);
        }
        const record = { workload: w.id, system, run, ...rec };
        if (!record.error) record.metrics = derive(record, rec.params);
        delete record.params;
        records.push(record);
        const key = { throughput: 'e2e', latency: 'p99', fanout: 'deliveries', rest: 'msgs', deep: 'consume', idle: 'rssMB' }[w.kind];
        const shown = record.error ? `ERROR ${record.error}` : `${key}=${Math.round((record.metrics[key] ?? NaN) * 100) / 100}`;
        log(`run ${run}/${w.runs} ${w.id.padEnd(5)} ${system.padEnd(15)} ${shown}`);
      }
    }
  }
  for (const s of shared.values()) await stop(s);

  const profiles = [];
  if (profileDir) {
    for (const f of readdirSync(profileDir).filter((x) => x.endsWith('.cpuprofile'))) {
      const pid = Number(f.split('.')[3]); // CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile
      const system = [...shared.values()].find((s) => s.pid === pid)?.system ?? `pid ${pid}`;
      const dest = join(RESULTS_DIR, `${system}.cpuprofile`);
      renameSync(join(profileDir, f), dest);
      const top = summariseProfile(JSON.parse(readFileSync(dest, 'utf8')), 20);
      profiles.push({ system, file: `bench/results/${system}.cpuprofile`, ...top });
      log(`\nCPU profile of ${system} (${plan.map((w) => w.id).join(', ')}):\n${formatSummary(top)}`);
    }
  }

  const summary = summariseRuns(records);
  const targets = evaluateTargets(summary);
  const errors = records.filter((r) => r.error);
  const loadEnd = os.loadavg();
  const name = opts.out ?? (opts.quick ? 'quick' : opts.only || opts.systems || opts.runs ? 'partial' : 'latest');
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    mode: opts.quick ? 'quick' : 'full',
    args: process.argv.slice(2),
    machine: { ...host, loadAverageStart: loadStart, loadAverageEnd: loadEnd, versions: await versions(systems) },
    skipped,
    plan: plan.map((w) => ({ id: w.id, title: w.title, systems: w.systems, runs: w.runs, params: Object.fromEntries(w.systems.map((s) => [s, w.params(s)])) })),
    summary,
    targets,
    profiles,
    runs: records,
  };
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const subtitle = `${results.machine.cpus} × ${results.machine.cpuModel}, Node ${process.version}, ${results.mode} mode, ${startedAt.toISOString().slice(0, 16)}Z, load ${loadStart[0].toFixed(2)} → ${loadEnd[0].toFixed(2)}`;
  writeFileSync(join(RESULTS_DIR, `${name}.svg`), chart(summary, { systems, subtitle }));

  process.stdout.write(`\n${table(summary, plan, errors)}\n\nTargets (ratios from this run):\n`);
  process.stdout.write(`${targetLines(targets).join('\n') || '(none measurable with this selection)'}\n`);
  process.stdout.write(`\nload average ${loadStart.map((l) => l.toFixed(2)).join(' ')} → ${loadEnd.map((l) => l.toFixed(2)).join(' ')}; ${results.durationSeconds} s\n`);
  process.stdout.write(`wrote bench/results/${name}.json and bench/results/${name}.svg\n`);
  if (errors.length) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exit(1);
});
