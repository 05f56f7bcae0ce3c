import BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../support/redis.js';
import { runUntilExit, StartFailure } from './fault-node.js';
import { remount, requireRoot, SmallTmpfs } from './mounts.js';

/** "Quickly": a start-up that fails must not first sit there for seconds. */
const QUICK_MS = 6000;

/**
 * Contract §1: a DATA_DIR that cannot be created, opened or written stops start-up with a non-zero exit and
 * one clear line naming DATA_DIR and the path. Each case prepares a broken DATA_DIR and starts the real
 * server on it.
 */
describe('storage fault: unusable DATA_DIR at start', () => {
  let base = '';
  const mounts: SmallTmpfs[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    base = mkdtempSync(join(tmpdir(), 'courier-datadir-'));
  }, 300_000);

  afterAll(() => {
    for (const fs of mounts) fs.remove();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  /** Exits by itself, non-zero, quickly, with one line on stderr naming DATA_DIR and `dataDir`. */
  function expectRefusedStart(run: StartFailure, dataDir: string): void {
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    // Still running when the timeout killed it: it started on a DATA_DIR it cannot use.
    expect({ exitedByItself: run.signal === null, quick: run.elapsedMs < QUICK_MS, tookMs: run.elapsedMs }).toEqual({
      exitedByItself: true,
      quick: true,
      tookMs: expect.any(Number),
    });
    expect(run.code).not.toBe(0);
    expect(lines).toEqual([expect.stringContaining('DATA_DIR')]);
    expect(lines[0]).toContain(dataDir);
    // SQLite's own words alone tell an operator nothing about which setting to fix.
    expect(lines[0].trim()).not.toMatch(/^(courier: )?(unable to open database file|file is not a database)$/);
  }

  /** A read-only tmpfs (after `prepare` wrote into it while it was still writable). */
  function readOnlyMount(prepare: (dir: string) => void = () => undefined): string {
    requireRoot('A read-only DATA_DIR');
    const fs = SmallTmpfs.mount(4 * 1024 * 1024);
    mounts.push(fs);
    prepare(fs.dir);
    remount(fs.dir, 'ro');
    return fs.dir;
  }

  it('refuses a courier.db overwritten with random bytes', async () => {
    const dataDir = join(base, 'garbage');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'courier.db'), randomBytes(64 * 1024));
    expectRefusedStart(await runUntilExit({ STORE: 'sqlite', DATA_DIR: dataDir }), dataDir);
  }, 20_000);

  it('refuses a DATA_DIR that is a regular file', async () => {
    const dataDir = join(base, 'a-file');
    writeFileSync(dataDir, 'not a directory\n');
    expectRefusedStart(await runUntilExit({ STORE: 'sqlite', DATA_DIR: dataDir }), dataDir);
  }, 20_000);

  it('refuses a DATA_DIR that cannot be created (its parent is a regular file)', async () => {
    const file = join(base, 'parent-file');
    writeFileSync(file, 'not a directory\n');
    const dataDir = join(file, 'data');
    expectRefusedStart(await runUntilExit({ STORE: 'sqlite', DATA_DIR: dataDir }), dataDir);
  }, 20_000);

  it('refuses an empty DATA_DIR on a read-only filesystem', async () => {
    const dataDir = readOnlyMount();
    expectRefusedStart(await runUntilExit({ STORE: 'sqlite', DATA_DIR: dataDir }), dataDir);
  }, 20_000);

  it('refuses a DATA_DIR to be created on a read-only filesystem', async () => {
    const dataDir = join(readOnlyMount(), 'data');
    expectRefusedStart(await runUntilExit({ STORE: 'sqlite', DATA_DIR: dataDir }), dataDir);
  }, 20_000);

  it('refuses a read-only filesystem that holds the courier.db of an earlier run (it can be read, not written)', async () => {
    const dataDir = readOnlyMount((dir) => {
      // A valid, closed database in WAL mode, as a stopped server leaves it.
      const db = new BetterSqlite3(join(dir, 'courier.db'));
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE earlier (x INTEGER)');
      db.close();
    });
    expectRefusedStart(await runUntilExit({ STORE: 'sqlite', DATA_DIR: dataDir }), dataDir);
  }, 20_000);
});
