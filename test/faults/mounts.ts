import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real file systems for the storage-fault scenarios (a size-limited tmpfs, read-only remounts). Mounting
 * needs root; every helper undoes itself (`umount`, then `umount -l` if something still holds
 * the mount) so a failed test never leaves a mount behind.
 */

/** Throws the line CI needs when the tests do not run as root (mount(8) and /dev/fuse need it). */
export function requireRoot(scenario: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${scenario} needs root: it mounts real filesystems (mount -t tmpfs, FUSE). Run the test as root (CI does).`);
  }
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr.trim() || result.error?.message}`);
}

/** Unmounts `dir`; lazily when it is busy (a process that still holds a file in it). Never throws. */
export function unmount(dir: string): void {
  if (spawnSync('umount', [dir]).status === 0) return;
  spawnSync('umount', ['-l', dir]);
}

/** `mount -o remount,ro|rw` of the filesystem mounted on `dir`; throws the kernel's refusal (e.g. busy). */
export function remount(dir: string, mode: 'ro' | 'rw'): void {
  run('mount', ['-o', `remount,${mode}`, dir]);
}

/** Bytes an unprivileged writer can still add to the filesystem holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** A tmpfs of `sizeBytes` mounted on a fresh directory under the OS temp dir. */
export class SmallTmpfs {
  private mounted = false;

  private constructor(
    /** A fresh directory that holds the mount point (removed by `remove`). */
    readonly base: string,
    readonly dir: string,
  ) {}

  static mount(sizeBytes: number): SmallTmpfs {
    const base = mkdtempSync(join(tmpdir(), 'courier-tmpfs-'));
    const fs = new SmallTmpfs(base, join(base, 'mnt'));
    mkdirSync(fs.dir);
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'courier-fault', fs.dir]);
    fs.mounted = true;
    return fs;
  }

  /** Fills what is left with one file of `name`, so that freeing it gives the space back at once. */
  fill(name = 'filler'): string {
    const path = join(this.dir, name);
    // fallocate reserves real pages on tmpfs (a sparse file would take nothing). The server may take a page
    // between statfs and fallocate (its health probe writes), so a refusal is asked again with what is left.
    for (let attempt = 1; ; attempt++) {
      try {
        execFileSync('fallocate', ['-l', String(freeBytes(this.dir)), path], { stdio: 'pipe' });
        return path;
      } catch (error) {
        if (attempt === 5) throw error;
        rmSync(path, { force: true });
      }
    }
  }

  remove(): void {
    if (this.mounted) unmount(this.dir);
    this.mounted = false;
    rmSync(this.base, { recursive: true, force: true });
  }
}
