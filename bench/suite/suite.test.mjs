/**
 * The suite's own logic, without servers: `node --test bench/suite/`.
 * (The end-to-end check of the harness is `npm run bench:quick`, which exits non-zero on any lost message.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chart } from './chart.mjs';
import { summariseProfile } from './cpuprofile-top.mjs';
import { makePayload, PAYLOAD_BYTES } from './payload.mjs';
import { parseArgs, selection } from './plan.mjs';
import { derive, evaluateTargets, summariseRuns, table } from './report.mjs';
import { quantile, summarise } from './stats.mjs';

describe('payload', () => {
  it('encodes to exactly PAYLOAD_BYTES whatever the sequence number', () => {
    for (const n of [0, 7, 12345, 999999, 12345678]) assert.equal(JSON.stringify(makePayload(n)).length, PAYLOAD_BYTES);
  });
});

describe('stats', () => {
  it('takes nearest-rank quantiles of a sorted array', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantile(v, 0.5), 50);
    assert.equal(quantile(v, 0.99), 99);
    assert.equal(quantile(v, 1), 100);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });

  it('summarises to median, min and max, ignoring non-numbers', () => {
    assert.deepEqual(summarise([3, 1, NaN, 2, undefined]), { median: 2, min: 1, max: 3, n: 3 });
    assert.deepEqual(summarise([4, 1]), { median: 2.5, min: 1, max: 4, n: 2 });
    assert.equal(summarise([]), null);
  });
});

describe('plan', () => {
  it('expands workload groups and keeps only the systems asked for', () => {
    const sel = selection(parseArgs(['--only', 'W2b,W3', '--systems', 'courier-sqlite,rabbitmq']));
    assert.deepEqual(
      sel.workloads.map((w) => w.id),
      ['W2b1', 'W2b4', 'W3'],
    );
    for (const w of sel.workloads) assert.deepEqual(w.systems, ['courier-sqlite', 'rabbitmq']);
    assert.equal(sel.runs, 3);
  });

  it('runs quick mode once, on a subset, with smaller counts', () => {
    const quick = selection(parseArgs(['--quick']));
    const full = selection(parseArgs([]));
    assert.equal(quick.runs, 1);
    assert.ok(quick.workloads.length < full.workloads.length);
    const w1 = (sel) => sel.workloads.find((w) => w.id === 'W1').params('courier-sqlite').count;
    assert.ok(w1(quick) < w1(full));
    assert.equal(full.workloads.find((w) => w.id === 'W5').runs, 1);
  });

  it('refuses unknown workloads, systems and options', () => {
    assert.throws(() => parseArgs(['--only', 'W9']), /unknown workload W9/);
    assert.throws(() => parseArgs(['--systems', 'kafka']), /unknown system kafka/);
    assert.throws(() => parseArgs(['--fast']), /unknown option/);
  });

  it('gives RabbitMQ single publishes and prefetch 100, Courier batches of 100', () => {
    const w1 = selection(parseArgs([])).workloads.find((w) => w.id === 'W1');
    assert.equal(w1.params('rabbitmq').batch, 1);
    assert.equal(w1.params('rabbitmq').prefetch, 100);
    assert.equal(w1.params('courier-sqlite').batch, 100);
  });
});

describe('report', () => {
  const run = (workload, system, metrics, extra = {}) => ({ workload, system, run: 1, metrics, ...extra });

  it('derives shares and CPU per message from a run', () => {
    const m = derive(run('W2', 'x', { shares: [0.2, 0.3, 0.25, 0.25] }, { serverCpuMs: 500, wallMs: 1000 }), { count: 1000 });
    assert.equal(m.shareMin, 0.2);
    assert.equal(m.shareMax, 0.3);
    assert.ok(Math.abs(m.shareDev - 0.05) < 1e-12);
    assert.equal(m.serverUsPerMsg, 500);
    assert.equal(m.serverCpuPct, 50);
  });

  it('judges targets from medians of the same invocation, skipping what was not measured', () => {
    const records = [
      run('W1', 'courier-sqlite', { e2e: 30000 }),
      run('W1', 'courier-sqlite', { e2e: 34000 }),
      run('W1', 'rabbitmq', { e2e: 20000 }),
      run('W1', 'raw-socketio', { e2e: 40000 }),
      run('W3', 'courier-sqlite', { p99: 2 }),
      { workload: 'W3', system: 'rabbitmq', run: 1, error: 'boom' },
    ];
    const targets = evaluateTargets(summariseRuns(records));
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    assert.equal(byName['courier-sqlite W1 e2e ≥ 1.5 × RabbitMQ'].value, 1.6);
    assert.equal(byName['courier-sqlite W1 e2e ≥ 1.5 × RabbitMQ'].pass, true);
    assert.equal(byName['courier-sqlite W1 e2e ≥ 75 % of raw Socket.IO'].value, 0.8);
    assert.equal(byName['courier-sqlite W3 p99 ≤ 1.5 ms'].pass, false);
    assert.equal(byName['courier-sqlite W3 p99 ≤ RabbitMQ p99'], undefined);
  });

  it('prints n/a where a workload does not apply and lists failed runs', () => {
    const plan = [{ id: 'W1', title: 'W1', runs: 1, systems: ['courier-sqlite'] }, { id: 'W4d', title: 'W4d', runs: 1, systems: ['rabbitmq'] }];
    const summary = summariseRuns([run('W1', 'courier-sqlite', { e2e: 1234 })]);
    const text = table(summary, plan, [{ workload: 'W4d', system: 'rabbitmq', run: 1, error: 'timed out' }]);
    assert.match(text, /1,234/);
    assert.match(text, /n\/a/);
    assert.match(text, /rabbitmq run 1: timed out/);
  });

  it('draws a bar per measured system', () => {
    const summary = summariseRuns([run('W1', 'courier-sqlite', { e2e: 1000 }), run('W1', 'rabbitmq', { e2e: 500 })]);
    const svg = chart(summary, { systems: ['courier-sqlite', 'rabbitmq'], subtitle: 'test' });
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/fill="#1f5fa8" fill-opacity/g) ?? []).length, 1);
    assert.equal((svg.match(/fill="#e8772e" fill-opacity/g) ?? []).length, 1);
  });
});

describe('cpuprofile-top', () => {
  it('ranks self time and leaves idle out of the percentages', () => {
    const frame = (functionName, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
        { id: 2, callFrame: frame('(idle)') },
        { id: 3, callFrame: frame('hot', 'file:///app/node_modules/pkg/index.js'), children: [5] },
        { id: 4, callFrame: frame('(garbage collector)') },
        { id: 5, callFrame: frame('inner', 'file:///app/dist/x.js') },
      ],
      samples: [2, 3, 3, 4, 5],
      timeDeltas: [1000, 3000, 3000, 2000, 2000],
    };
    const s = summariseProfile(profile);
    assert.equal(s.busyMs, 10);
    assert.equal(s.idleMs, 1);
    assert.deepEqual(s.functions[0], { name: 'hot node_modules/pkg/index.js:1', ms: 6, pct: 60 });
    assert.equal(s.modules.find((m) => m.name === 'pkg').pct, 60);
    assert.equal(s.inclusive.find((f) => f.name.startsWith('hot')).pct, 80);
  });
});
