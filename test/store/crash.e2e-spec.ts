import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { SqliteMessageStore } from '../../src/store/sqlite/sqlite-message-store.js';
import { Channel } from '../../src/store/stored-message.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(ROOT, 'test/support/crash-publisher.ts');
const LOAD_MS = 1500;
const channel: Channel = { ns: 'crash', kind: 'queue', name: 'load', client: '' };

/**
 * Transpiles `entry` and every module it imports relatively into `outRoot` (same layout, .ts → .js), so the
 * child runs the adapter's current source with plain `node`: no build of the whole project, no loader.
 */
function transpileTree(entry: string, outRoot: string): string {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    const out = join(outRoot, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      todo.push(resolve(dirname(file), `${spec}.ts`));
    }
  }
  writeFileSync(join(outRoot, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(ROOT, 'node_modules'), join(outRoot, 'node_modules'), 'dir');
  return join(outRoot, relative(ROOT, entry)).replace(/\.ts$/, '.js');
}

/** Collects a child's stdout as complete lines only: a line cut by the kill is never looked at. */
class LineLog {
  readonly lines: string[] = [];
  private partial = '';

  constructor(child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
    });
  }
}

describe('SqliteMessageStore crash', () => {
  let dir: string;
  let script: string;
  let store: SqliteMessageStore | undefined;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-crash-'));
    script = transpileTree(CHILD, join(dir, 'build'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged publish exactly once and no acked message after kill -9 under load', async () => {
    const dataDir = join(dir, 'data');
    child = spawn(process.execPath, [script, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = new LineLog(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');

    const ready = new Promise<void>((resolveReady, reject) => {
      child!.stdout!.on('data', () => log.lines.includes('READY') && resolveReady());
      void exited.then(() => reject(new Error(`crash-publisher exited before READY:\n${stderr}`)));
    });
    await ready;
    await new Promise((r) => setTimeout(r, LOAD_MS));
    expect({ exitCode: child.exitCode, stderr }).toEqual({ exitCode: null, stderr: '' });
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

    const published = new Set<string>();
    const acking = new Set<string>();
    const acked = new Set<string>();
    for (const line of log.lines) {
      const [tag, id] = line.split(' ');
      if (tag === 'P') published.add(id);
      else if (tag === 'C') acking.add(id);
      else if (tag === 'A') acked.add(id);
    }
    expect(published.size).toBeGreaterThan(100);
    expect(acked.size).toBeGreaterThan(0);

    store = new SqliteMessageStore(dataDir);
    await store.open();
    const now = Date.now();
    for (let swept = await store.sweep(now, 1000, true); swept.timedOut > 0; ) swept = await store.sweep(now, 1000, true);
    const stats = await store.stats(channel.ns, channel.kind, channel.name);
    const stored = new Map<string, number>();
    for (;;) {
      const { deliveries } = await store.claimNext(channel, 'verifier', 10_000, now, now + 60_000);
      if (deliveries.length === 0) break;
      for (const d of deliveries) stored.set(d.id, (stored.get(d.id) ?? 0) + 1);
    }

    const missing = [...published].filter((id) => !acking.has(id) && !stored.has(id));
    const resurrected = [...acked].filter((id) => stored.has(id));
    const duplicated = [...stored].filter(([, n]) => n > 1);
    expect({ missing, resurrected, duplicated }).toEqual({ missing: [], resurrected: [], duplicated: [] });
    expect(stats).toMatchObject({ ready: stored.size, inFlight: 0, delayed: 0, deadLettered: 0 });
    expect(stats!.published - stats!.acked).toBe(stored.size);
  });
});
