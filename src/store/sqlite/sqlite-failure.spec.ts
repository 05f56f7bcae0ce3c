import { CourierError } from '../../common/courier-error.js';
import { ErrorCode } from '../../common/error-code.js';
import { describeOpenFailure, toStoreFailure } from './sqlite-failure.js';

describe(toStoreFailure.name, () => {
  it('makes a disk that cannot be written now UNAVAILABLE, and leaves other failures as they are', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_BUSY', 'SQLITE_CANTOPEN']) {
      expect(toStoreFailure(Object.assign(new Error('store failed'), { code }))).toMatchObject({ code: ErrorCode.UNAVAILABLE });
    }
    const constraint = Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(toStoreFailure(constraint)).toBe(constraint);
    expect(toStoreFailure(new TypeError('bug'))).not.toBeInstanceOf(CourierError);
  });
});

describe(describeOpenFailure.name, () => {
  it('says in words what is wrong with DATA_DIR', () => {
    expect(describeOpenFailure(Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' }))).toMatch(/not a SQLite database/);
    expect(describeOpenFailure(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }))).toMatch(/read-only/);
    expect(describeOpenFailure(Object.assign(new Error("ENOTDIR: not a directory, mkdir 'x'"), { code: 'ENOTDIR' }))).toMatch(/not a directory/);
  });
});
