import type { Database } from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write that arrives in the same event-loop turn runs inside one transaction, and
 * each caller's promise settles only after that transaction's COMMIT. One fsync-worthy commit per turn
 * instead of one per message is what lets SQLite keep up with a broker's write rate.
 *
 * Each unit of work runs in its own savepoint, so one failing write rolls back alone and the others in
 * the same turn still commit.
 */
export class GroupCommit {
  private pending: Waiter[] = [];
  private scheduled = false;
  private readonly begin: () => void;
  /** One transaction function reused for every unit of work (inside the open transaction it is a savepoint). */
  private readonly inSavepoint: (work: () => unknown) => unknown;

  constructor(
    private readonly db: Database,
    private readonly hooks: {
      beforeCommit: () => void;
      afterCommit: () => void;
      afterRollback: () => void;
      afterWorkFailed: () => void;
      /** What a caller is rejected with for a failed write (the adapter's own error for a full disk, say). */
      mapError: (error: unknown) => unknown;
    },
  ) {
    const beginStmt = db.prepare('BEGIN IMMEDIATE');
    this.begin = () => beginStmt.run();
    this.inSavepoint = db.transaction((work: () => unknown) => work());
  }

  run<T>(work: () => T): Promise<T> {
    if (!this.scheduled) {
      try {
        this.begin();
      } catch (error) {
        return Promise.reject(this.hooks.mapError(error));
      }
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    let result: T;
    try {
      result = this.inSavepoint(work) as T;
    } catch (error) {
      // The savepoint rolled the rows back; in-memory state derived from them must follow.
      this.hooks.afterWorkFailed();
      return Promise.reject(this.hooks.mapError(error));
    }
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: () => resolve(result), reject });
    });
  }

  /** Commits now (used on close); safe to call when nothing is open. */
  commit(): void {
    if (!this.scheduled) return;
    const waiters = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      this.hooks.beforeCommit();
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // A failed ROLLBACK (the disk went away) leaves nothing to undo that SQLite has not undone itself.
      }
      this.hooks.afterRollback();
      const mapped = this.hooks.mapError(error);
      for (const w of waiters) w.reject(mapped);
      return;
    }
    this.hooks.afterCommit();
    for (const w of waiters) w.resolve();
  }
}
