/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, self time
 * by module (a package in node_modules, a file of Courier's dist/, or a V8/Node internal bucket), and the
 * JavaScript functions with the most inclusive time (what runs under them counted too).
 * Percentages are of busy time (everything but `(idle)`).
 *
 *   node bench/suite/cpuprofile-top.mjs <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

function moduleOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `courier:${url.slice(dist + 6)}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fns = new Map();
  const mods = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { callFrame: f } = byId.get(id);
    const name = f.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const file = f.url ? f.url.replace(/^.*\/(node_modules|dist)\//, '$1/') : '';
    const key = `${name} ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const mod = moduleOf(f.url, name);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, us] of self) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      if (!f.url) continue;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), functions: rank(fns), modules: rank(mods), inclusive: rank(incl) };
}

export function formatSummary(s) {
  const lines = [`busy ${s.busyMs} ms, idle ${s.idleMs} ms`, 'top self time by function:'];
  for (const f of s.functions) lines.push(`  ${String(f.pct).padStart(5)} %  ${f.name}`);
  lines.push('self time by module:');
  for (const m of s.modules) lines.push(`  ${String(m.pct).padStart(5)} %  ${m.name}`);
  if (s.inclusive) {
    lines.push('inclusive time (self + callees) by function:');
    for (const f of s.inclusive) lines.push(`  ${String(f.pct).padStart(5)} %  ${f.name}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/suite/cpuprofile-top.mjs <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summariseProfile(JSON.parse(readFileSync(file, 'utf8')), Number(top) || 25))}\n`);
}
