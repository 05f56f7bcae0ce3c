/**
 * From run records to what a person reads: per-run derived metrics, medians with min–max, the targets
 * (PASS/MISS, ratios taken within the same invocation), and the stdout table.
 */
import { summarise } from './stats.mjs';

const MB = 1024 * 1024;
const rate = (key, label) => ({ key, label, unit: '/s', digits: 0 });
const ms = (key, label) => ({ key, label, unit: 'ms', digits: 2 });
const mb = (key, label) => ({ key, label, unit: 'MB', digits: 0 });
const cpu = { key: 'serverUsPerMsg', label: 'server CPU µs/msg', unit: 'µs', digits: 1 };

/** Metrics shown per workload, in order. */
export const METRICS = {
  W1: [rate('e2e', 'e2e msgs/s'), rate('confirmed', 'confirmed msgs/s'), cpu],
  W1u: [rate('e2e', 'e2e msgs/s'), rate('confirmed', 'confirmed msgs/s'), cpu],
  W2: [rate('e2e', 'e2e msgs/s'), { key: 'shareMin', label: 'min share', digits: 3 }, { key: 'shareMax', label: 'max share', digits: 3 }, cpu],
  W2b1: [rate('e2e', 'msgs/s')],
  W2b4: [rate('e2e', 'msgs/s'), { key: 'shareMin', label: 'min share', digits: 3 }, { key: 'shareMax', label: 'max share', digits: 3 }],
  W3: [ms('p50', 'p50 ms'), ms('p99', 'p99 ms'), ms('p999', 'p99.9 ms'), ms('max', 'max ms'), { key: 'serverCpuPct', label: 'server CPU %', digits: 0 }],
  W4: [rate('deliveries', 'deliveries/s'), rate('confirmed', 'publishes confirmed/s')],
  W4d: [rate('deliveries', 'deliveries/s'), rate('confirmed', 'publishes confirmed/s')],
  REST1: [rate('requests', 'requests/s'), rate('msgs', 'msgs/s')],
  RESTb: [rate('requests', 'requests/s'), rate('msgs', 'msgs/s')],
  W5: [
    rate('publish', 'publish msgs/s'),
    rate('consume', 'consume msgs/s'),
    mb('rssStartMB', 'RSS before MB'),
    mb('rssPublishPeakMB', 'RSS peak publishing MB'),
    mb('rssConsumePeakMB', 'RSS peak consuming MB'),
    mb('rssEndMB', 'RSS at end MB'),
    mb('anonStartMB', 'anon RSS before MB'),
    mb('anonPeakMB', 'anon RSS peak MB'),
  ],
  W6: [{ key: 'connected', label: 'connected', digits: 0 }, mb('rssBeforeMB', 'RSS before MB'), mb('rssMB', 'RSS connected MB'), { key: 'perConnKB', label: 'KB per connection', digits: 1 }],
};

/** Adds the metrics computed from a run's raw result and its server samples. */
export function derive(record, params) {
  const m = { ...(record.metrics ?? {}) };
  if (Array.isArray(m.shares)) {
    const even = 1 / m.shares.length;
    m.shareMin = Math.min(...m.shares);
    m.shareMax = Math.max(...m.shares);
    m.shareDev = Math.max(...m.shares.map((s) => Math.abs(s - even)));
  }
  if (record.serverCpuMs != null && params?.count) m.serverUsPerMsg = (record.serverCpuMs * 1000) / params.count;
  if (record.serverCpuMs != null && record.wallMs) m.serverCpuPct = (record.serverCpuMs / record.wallMs) * 100;
  const r = record.rss;
  if (r && record.workload === 'W5') {
    m.rssStartMB = (r.publish?.first ?? r.run?.first ?? NaN) / MB;
    m.rssPublishPeakMB = (r.publish?.peak ?? NaN) / MB;
    m.rssConsumePeakMB = (r.consume?.peak ?? NaN) / MB;
    m.rssEndMB = (r.consume?.last ?? NaN) / MB;
    m.anonStartMB = (r.publish?.anonFirst ?? NaN) / MB;
    m.anonPeakMB = Math.max(r.publish?.anonPeak ?? NaN, r.consume?.anonPeak ?? NaN) / MB;
  }
  return m;
}

/** summary[workload][system][metric] = { median, min, max, n } */
export function summariseRuns(records) {
  const summary = {};
  for (const rec of records) {
    if (rec.error) continue;
    const w = (summary[rec.workload] ??= {});
    const s = (w[rec.system] ??= {});
    for (const [k, v] of Object.entries(rec.metrics)) if (typeof v === 'number') (s[k] ??= []).push(v);
  }
  for (const w of Object.values(summary)) for (const s of Object.values(w)) for (const k of Object.keys(s)) s[k] = summarise(s[k]);
  return summary;
}

/** The brief's targets, each evaluated only when every figure it needs was measured in this invocation. */
export function evaluateTargets(summary) {
  const med = (w, s, k) => summary[w]?.[s]?.[k]?.median;
  const targets = [];
  const add = (name, value, goal, pass, detail) => {
    if (value === undefined || Number.isNaN(value) || goal === undefined || Number.isNaN(goal)) return;
    targets.push({ name, value, goal, pass: pass(value, goal), detail });
  };
  const ratio = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
  const cs = 'courier-sqlite';
  add('courier-sqlite W1 e2e ≥ 1.5 × RabbitMQ', ratio(med('W1', cs, 'e2e'), med('W1', 'rabbitmq', 'e2e')), 1.5, (v, g) => v >= g, 'ratio');
  add('courier-sqlite W1 e2e ≥ 75 % of raw Socket.IO', ratio(med('W1', cs, 'e2e'), med('W1', 'raw-socketio', 'e2e')), 0.75, (v, g) => v >= g, 'ratio');
  add('courier-sqlite W3 p99 ≤ RabbitMQ p99', ratio(med('W3', cs, 'p99'), med('W3', 'rabbitmq', 'p99')), 1, (v, g) => v <= g, 'ratio');
  add('courier-sqlite W3 p99 ≤ 1.5 ms', med('W3', cs, 'p99'), 1.5, (v, g) => v <= g, 'ms');
  add('courier-sqlite W2b 4 consumers ≥ 3.6 × 1', ratio(med('W2b4', cs, 'e2e'), med('W2b1', cs, 'e2e')), 3.6, (v, g) => v >= g, 'ratio');
  add('courier-sqlite W2b shares 0.25 ± 0.03', med('W2b4', cs, 'shareDev'), 0.03, (v, g) => v <= g, 'max |share − 0.25|');
  add('courier-sqlite W4 durable ≥ 2 × RabbitMQ fanout', ratio(med('W4d', cs, 'deliveries'), med('W4d', 'rabbitmq', 'deliveries')), 2, (v, g) => v >= g, 'ratio');
  add('courier-sqlite W5 publish within 20 % of W1 confirmed', ratio(med('W5', cs, 'publish'), med('W1', cs, 'confirmed')), 0.8, (v, g) => v >= g, 'ratio');
  add('courier-sqlite W5 consume within 20 % of W1 e2e', ratio(med('W5', cs, 'consume'), med('W1', cs, 'e2e')), 0.8, (v, g) => v >= g, 'ratio');
  const growth = Math.max(med('W5', cs, 'rssPublishPeakMB') ?? NaN, med('W5', cs, 'rssConsumePeakMB') ?? NaN) - (med('W5', cs, 'rssStartMB') ?? NaN);
  add('courier-sqlite W5 RSS flat (peak − start ≤ 128 MB)', growth, 128, (v, g) => v <= g, 'MB');
  // SQLite maps up to mmap_size of the database file (file-backed, reclaimable): anonymous memory is the heap's growth.
  const anonGrowth = (med('W5', cs, 'anonPeakMB') ?? NaN) - (med('W5', cs, 'anonStartMB') ?? NaN);
  add('courier-sqlite W5 anonymous RSS flat (peak − start ≤ 128 MB)', anonGrowth, 128, (v, g) => v <= g, 'MB');
  const conns = med('W6', cs, 'connected');
  add(`courier-sqlite W6 ${conns?.toLocaleString('en-US')} idle connections < 500 MB RSS`, med('W6', cs, 'rssMB'), 500, (v, g) => v < g, 'MB');
  add('courier-memory W1 e2e ≥ 90 % of raw Socket.IO', ratio(med('W1', 'courier-memory', 'e2e'), med('W1', 'raw-socketio', 'e2e')), 0.9, (v, g) => v >= g, 'ratio');
  add('courier-redis W1 e2e ≥ RabbitMQ', ratio(med('W1', 'courier-redis', 'e2e'), med('W1', 'rabbitmq', 'e2e')), 1, (v, g) => v >= g, 'ratio');
  return targets;
}

function fmt(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (digits === 0) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

function compact(v, digits) {
  if (digits === 0 && Math.abs(v) >= 10000) return `${(v / 1000).toFixed(1)}k`;
  return fmt(v, digits);
}

function cell(stat, digits) {
  if (!stat) return '–';
  if (stat.n === 1) return fmt(stat.median, digits);
  return `${fmt(stat.median, digits)} (${compact(stat.min, digits)}–${compact(stat.max, digits)})`;
}

/** The system × workload table: one block per workload, a column per system, median (min–max). */
export function table(summary, plan, errors) {
  const systems = [...new Set(plan.flatMap((w) => w.systems))];
  const cols = systems.map((s) => Math.max(s.length, 24));
  const labelWidth = 30;
  const lines = [];
  const row = (label, cells) => lines.push(label.padEnd(labelWidth) + cells.map((c, i) => ` ${c.padStart(cols[i])}`).join(''));
  row('', systems);
  for (const w of plan) {
    lines.push(`${w.title}${w.runs > 1 ? `  [median of ${w.runs} (min–max)]` : ''}`);
    for (const m of METRICS[w.id] ?? []) {
      row(
        `  ${m.label}`,
        systems.map((s) => (w.systems.includes(s) ? cell(summary[w.id]?.[s]?.[m.key], m.digits ?? 0) : 'n/a')),
      );
    }
    for (const e of errors.filter((x) => x.workload === w.id)) lines.push(`  ! ${e.system} run ${e.run}: ${e.error}`);
  }
  return lines.join('\n');
}

export function targetLines(targets) {
  return targets.map((t) => {
    const digits = { ms: 2, MB: 0 }[t.detail] ?? 3;
    const v = t.detail === 'ratio' ? `${t.value.toFixed(2)}×` : `${t.value.toFixed(digits)} ${t.detail}`;
    const g = t.detail === 'ratio' ? `${t.goal}×` : `${t.goal}`;
    return `${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${v} (target ${g})`;
  });
}
