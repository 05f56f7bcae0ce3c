import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { waitFor } from '../support/wait-for.js';
import { unmount } from './mounts.js';

const SOURCE = fileURLToPath(new URL('./fuse-passthrough.ts', import.meta.url));

/**
 * A directory whose file system can be made read-only and writable again while a process has files open in
 * it: a FUSE file system (fuse-passthrough.ts, in a process of its own) over a backing directory, refusing
 * every change with EROFS while switched to read-only. The kernel refuses `mount -o remount,ro` of a real
 * file system in that situation (EBUSY), so this is the way to turn a live server's disk read-only.
 */
export class SwitchableFs {
  private constructor(
    private readonly base: string,
    readonly dir: string,
    private readonly flag: string,
    private readonly daemon: ChildProcess,
    private readonly output: string[],
  ) {}

  static async mount(): Promise<SwitchableFs> {
    const base = mkdtempSync(join(tmpdir(), 'courier-switchfs-'));
    const [dir, backing, flag, script] = ['mnt', 'backing', 'read-only', 'fuse-passthrough.mjs'].map((name) => join(base, name));
    mkdirSync(dir);
    mkdirSync(backing);
    // The daemon needs nothing but node:* modules, so one transpiled file runs with plain node.
    const { outputText } = ts.transpileModule(readFileSync(SOURCE, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(script, outputText);
    const daemon = spawn(process.execPath, [script, dir, backing, flag], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    for (const stream of [daemon.stdout!, daemon.stderr!]) stream.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    const fs = new SwitchableFs(base, dir, flag, daemon, output);
    try {
      await waitFor(
        () => {
          if (daemon.exitCode !== null) throw new Error(`the FUSE daemon exited (${daemon.exitCode}): ${output.join('')}`);
          return output.join('').includes('READY');
        },
        'the FUSE file system to be mounted',
        10_000,
        20,
      );
    } catch (error) {
      await fs.remove();
      throw error;
    }
    return fs;
  }

  /** From now on every write, create, truncate, unlink and rename under `dir` fails with EROFS. */
  readOnly(): void {
    writeFileSync(this.flag, '');
  }

  writable(): void {
    rmSync(this.flag, { force: true });
  }

  /** What the daemon printed (for a failure message: a crash of the daemon shows here). */
  get log(): string {
    return this.output.join('');
  }

  get alive(): boolean {
    return this.daemon.exitCode === null && this.daemon.signalCode === null;
  }

  /** Unmounts (lazily if still busy) and stops the daemon; the kernel fails what is still pending there. */
  async remove(): Promise<void> {
    this.writable();
    unmount(this.dir);
    if (this.alive) {
      const exited = once(this.daemon, 'exit');
      // An unmount ends the daemon by itself (its read answers ENODEV); a lazy one only once nothing holds it.
      const timer = setTimeout(() => this.daemon.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    // Killing the daemon aborts the connection; a mount left over from that is gone with a lazy unmount.
    if (spawnSync('mountpoint', ['-q', this.dir]).status === 0) unmount(this.dir);
    rmSync(this.base, { recursive: true, force: true });
  }
}
