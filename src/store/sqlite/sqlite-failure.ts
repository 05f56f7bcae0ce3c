import { CourierError } from '../../common/courier-error.js';
import { ErrorCode } from '../../common/error-code.js';

/** SQLite result codes that mean "the file cannot be written (or read) now", not a fault of ours. */
const UNAVAILABLE_CODES = /^SQLITE_(IOERR|FULL|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL)/;

/**
 * Turns a SQLite failure of the disk under DATA_DIR (full, read-only, I/O error) into the one
 * UNAVAILABLE error every edge answers as 503 / `UNAVAILABLE`; anything else is left as it is.
 */
export function toStoreFailure(error: unknown): unknown {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (!UNAVAILABLE_CODES.test(code)) return error;
  return new CourierError(ErrorCode.UNAVAILABLE, `the message store cannot take writes now (${code}); try again later`);
}

/** Why DATA_DIR could not be used, in words an operator can act on (SQLite's own are terse). */
export function describeOpenFailure(error: unknown): string {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = (error as Error)?.message ?? String(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return `the file is not a SQLite database or is damaged (${message})`;
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return `it is read-only (${message})`;
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'ENOTDIR' || code === 'EEXIST') return `it cannot be opened: the directory is missing, not a directory, or not writable (${message})`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${message})`;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return `the disk is full (${message})`;
  return message;
}
