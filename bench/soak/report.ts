import { Check, MinuteRecord } from './verdict.js';

/** Per-minute columns: heading, width, and the figure. */
const COLUMNS: [string, number, (r: MinuteRecord) => string][] = [
  ['min', 4, (r) => String(r.minute)],
  ['published', 10, (r) => String(r.client.published)],
  ['pubFail', 8, (r) => String(r.client.publishFailed)],
  ['delivered', 10, (r) => String(r.client.delivered)],
  ['acked', 8, (r) => String(r.client.acked)],
  ['redeliv', 8, (r) => String(r.client.redelivered)],
  ['reconn', 7, (r) => String(r.client.reconnects)],
  ['pubRtt99', 9, (r) => ms(r.client.publishRttP99Ms)],
  ['e2e99', 7, (r) => ms(r.client.deliveryLagP99Ms)],
  ['rssMB', 7, (r) => r.rssMb.toFixed(1)],
  ['loop99', 7, (r) => r.loop.p99Ms.toFixed(1)],
  ['loopMax', 8, (r) => r.loop.maxMs.toFixed(1)],
  ['ready', 7, (r) => String(r.depth.ready)],
  ['inFlight', 9, (r) => String(r.depth.inFlight)],
  ['srvCpu', 7, (r) => `${Math.round(r.serverCpuPct)}%`],
  ['cliCpu', 7, (r) => `${Math.round(r.clientCpuPct)}%`],
  ['load1', 6, (r) => r.loadAverage.toFixed(1)],
];

/** The histograms stop at 10 s: their last bucket means "10 s or more". */
const ms = (n: number) => (Number.isNaN(n) ? '-' : n >= 10_000 ? '>=10000' : n.toFixed(1));

export function header(): string {
  return COLUMNS.map(([name, width]) => name.padStart(width)).join(' ');
}

export function line(r: MinuteRecord): string {
  return COLUMNS.map(([, width, value]) => value(r).padStart(width)).join(' ');
}

/** What the columns mean, printed once before the header. */
export const LEGEND =
  'per minute: published/pubFail/delivered/acked = confirmed and failed publishes, deliveries received (redeliveries included) and acks answered ok; ' +
  'pubRtt99 = publish answer p99 ms; e2e99 = publish to first delivery p99 ms; rssMB = server VmRSS at the minute end; ' +
  'loop99/loopMax = server event-loop delay over the minute, ms (prom-client, ~10 ms when idle); ready/inFlight at the minute end; ' +
  'srvCpu/cliCpu = CPU of the server / this load generator (100% = one core); load1 = the machine\'s load average';

export function summary(checks: readonly Check[]): string[] {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.map((c) => `  ${(c.pass === null ? 'n/a ' : c.pass ? 'PASS' : 'FAIL')}  ${c.name.padEnd(width)}  ${c.detail}`);
}
