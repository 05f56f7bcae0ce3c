/**
 * The soak test (issue 11): a real Courier server under a steady publish → deliver → ack load for
 * --minutes, with consumers that reconnect all the time. One line a minute, a summary, and exit status 1
 * when memory grows, the event loop stalls, publishes fail, the backlog runs away or a message goes missing.
 *
 *   npm run soak -- --minutes 60 [--rate 2000] [--consumers 4] [--prefetch 100]
 *
 * The load generator is this one process (one producer socket, N consumer sockets) and shares the machine
 * with the server; its own CPU is printed next to the server's so a starved server shows as such.
 */
import { cpus, loadavg } from 'node:os';
import { ReconnectingConsumer, Violations } from './consumer.js';
import { parseOptions, SoakOptions, USAGE } from './options.js';
import { PacedProducer } from './producer.js';
import { header, LEGEND, line, summary } from './report.js';
import { QueueDepth, SoakServer } from './server.js';
import { DELIVERED, MinuteCounters, PUBLISHED, SeqFlags } from './tally.js';
import { depthText, EndState, judge, MinuteRecord } from './verdict.js';

const SAMPLE_MS = 10_000;
const SAMPLES_PER_MINUTE = 6;
/** Consumers' first reconnects are spread over this window after the first 20 s, then each draws 20–40 s. */
const FIRST_CYCLE_MS = 20_000;
const FIRST_CYCLE_SPREAD_MS = 20_000;
const DRAIN_TIMEOUT_MS = 60_000;

let server: SoakServer | null = null;
let interrupted: string | null = null;
const abort = new AbortController();

function interrupt(reason: string): void {
  if (interrupted) process.exit(130); // a second signal: stop now (the exit handler still kills the server)
  interrupted = reason;
  console.log(`\n${reason}: stopping`);
  abort.abort();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => interrupt(signal));
// `npm run soak` killed with SIGTERM exits without passing the signal on, leaving this process to run to the
// end unseen: a new parent (the orphan's reaper) counts as an interrupt.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && !interrupted && interrupt('parent process gone'), 1000).unref();
// Last resort for every other way out (an uncaught error, process.exit): no server outlives the soak.
process.on('exit', () => server?.killNow());

const backlog = (d: QueueDepth) => d.ready + d.delayed + d.inFlight;

/** Resolves true at performance-time `at`, false at once if the run is aborted meanwhile. */
function sleepUntil(at: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (abort.signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        abort.signal.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, at - performance.now()),
    );
    abort.signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function main(): Promise<number> {
  let options: SoakOptions;
  try {
    const parsed = parseOptions(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }

  console.log(`soak: ${options.minutes} min at ${options.rate} msg/s, ${options.consumers} consumers (prefetch ${options.prefetch}) reconnecting every 20–40 s`);
  server = await SoakServer.start({});
  const running = server;
  let serverGone: string | null = null;
  running.node.child.once('exit', (code, signal) => {
    if (interrupted) return;
    serverGone = `the server exited (code ${code}, signal ${signal}) during the run; its last output:\n${running.tail()}`;
    abort.abort();
  });
  console.log(`server pid ${running.pid} at ${running.url} (STORE=sqlite)`);

  const queue = `soak-${Date.now()}`;
  const counters = new MinuteCounters();
  const flags = new SeqFlags();
  const violations = new Violations();
  const consumers = Array.from(
    { length: options.consumers },
    () => new ReconnectingConsumer(running.url, queue, options.prefetch, counters, flags, violations),
  );
  const producer = new PacedProducer(running.url, queue, options.rate, counters, flags);
  const records: MinuteRecord[] = [];
  let fatal: string | null = null;
  let end: EndState | null = null;

  try {
    await Promise.all(consumers.map((c, i) => c.start(FIRST_CYCLE_MS + (i * FIRST_CYCLE_SPREAD_MS) / options.consumers)));
    // This scrape resets the server's event-loop histogram: the first minute starts clean of start-up.
    await running.eventLoopDelay();
    counters.take();
    let serverCpu = running.cpuSeconds();
    let clientCpu = process.cpuUsage();
    let minuteStart = performance.now();
    await producer.start();
    const t0 = performance.now();
    console.log(LEGEND);
    console.log(header());

    let maxDepth = 0;
    for (let slot = 1; slot <= options.minutes * SAMPLES_PER_MINUTE; slot++) {
      if (!(await sleepUntil(t0 + slot * SAMPLE_MS))) break;
      if (slot % SAMPLES_PER_MINUTE !== 0) {
        maxDepth = Math.max(maxDepth, backlog(await running.depth(queue)));
        continue;
      }
      // The client's counters and the server's event-loop window are both cut here, as close together as can be.
      const client = counters.take();
      const loop = await running.eventLoopDelay();
      const now = performance.now();
      const seconds = (now - minuteStart) / 1000;
      const cpuNow = running.cpuSeconds();
      const clientUsage = process.cpuUsage(clientCpu);
      const depth = await running.depth(queue);
      maxDepth = Math.max(maxDepth, backlog(depth));
      const record: MinuteRecord = {
        minute: slot / SAMPLES_PER_MINUTE,
        client,
        rssMb: running.rssMb(),
        loop,
        depth,
        maxDepth,
        serverCpuPct: ((cpuNow - serverCpu) / seconds) * 100,
        clientCpuPct: ((clientUsage.user + clientUsage.system) / 1e6 / seconds) * 100,
        loadAverage: loadavg()[0],
      };
      records.push(record);
      console.log(line(record));
      maxDepth = 0;
      serverCpu = cpuNow;
      clientCpu = process.cpuUsage();
      minuteStart = now;
      running.trimOutput();
    }
    if (!abort.signal.aborted) end = await drain(running, queue, producer, consumers, flags, violations, counters);
  } catch (error) {
    // A probe that failed because the server died usually fails before the exit event arrives: give it a moment.
    if (serverGone === null) await new Promise((resolve) => setTimeout(resolve, 500));
    fatal = serverGone ?? `run aborted: ${(error as Error).stack ?? error}`;
  } finally {
    for (const c of consumers) c.stop();
    await producer.stop().catch(() => undefined);
  }
  fatal ??= serverGone;

  const drops = records.reduce((n, r) => n + r.client.drops, 0) + counters.take().drops;
  const checks = judge(records, { failedPublishes: producer.failed, publishErrors: producer.errors, drops }, end, { ...options, cores: cpus().length });
  console.log(`\nsummary (${records.length} of ${options.minutes} minutes${interrupted ? `, interrupted by ${interrupted}` : ''}):`);
  const sum = (pick: (r: MinuteRecord) => number) => records.reduce((n, r) => n + pick(r), 0);
  console.log(
    `  totals over the minutes: published ${sum((r) => r.client.published)}, delivered ${sum((r) => r.client.delivered)} ` +
      `(redelivered ${sum((r) => r.client.redelivered)}), acked ${sum((r) => r.client.acked)}, reconnects ${sum((r) => r.client.reconnects)}, ` +
      `connections lost unasked ${drops}`,
  );
  console.log(`  load generator: RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB; machine: ${cpus().length} cores, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
  for (const text of summary(checks)) console.log(text);
  if (violations.examples.length) console.log(`  examples:\n    ${violations.examples.join('\n    ')}`);
  console.log(`  server log: ${running.errors} error and ${running.warnings} warn lines during the run${running.firstProblems.length ? `; first:\n    ${running.firstProblems.join('\n    ')}` : ''}`);
  if (fatal) console.log(`  FAIL  ${fatal}`);

  await running.stop();
  const failed = fatal !== null || checks.some((c) => c.pass === false);
  console.log(`result: ${interrupted ? 'INTERRUPTED' : failed ? 'FAIL' : 'PASS'}`);
  return interrupted ? 130 : failed ? 1 : 0;
}

/**
 * Stops the load and the reconnects, then waits until the queue is empty: the consumers keep up only if
 * they can also finish. Then checks every confirmed publish against what the consumers received.
 */
async function drain(
  running: SoakServer,
  queue: string,
  producer: PacedProducer,
  consumers: readonly ReconnectingConsumer[],
  flags: SeqFlags,
  violations: Violations,
  counters: MinuteCounters,
): Promise<EndState> {
  const started = performance.now();
  await producer.stop();
  for (const c of consumers) c.stopCycling();
  let depth = await running.depth(queue);
  let drainedInMs: number | null = null;
  while (!abort.signal.aborted) {
    if (backlog(depth) === 0) {
      drainedInMs = performance.now() - started;
      break;
    }
    if (performance.now() - started > DRAIN_TIMEOUT_MS) break;
    await sleepUntil(performance.now() + 250);
    depth = await running.depth(queue);
  }
  console.log(`drain: published ${counters.published}, delivered ${counters.delivered}, acked ${counters.acked} after the last minute; queue ${depthText(depth)}`);
  return {
    confirmedPublishes: producer.confirmed,
    undelivered: flags.countWithout(producer.sent, PUBLISHED, DELIVERED),
    deliveredAfterAck: violations.afterAck,
    acksRefused: violations.ackRefused,
    finalDepth: depth,
    drainedInMs,
  };
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1); // the exit handler kills the server
  },
);
