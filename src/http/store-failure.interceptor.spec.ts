import { CallHandler, ExecutionContext, NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, throwError } from 'rxjs';
import { CourierError } from '../common/courier-error.js';
import { ErrorCode } from '../common/error-code.js';
import { MemoryMessageStore } from '../store/memory/memory-message-store.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { SqliteMessageStore } from '../store/sqlite/sqlite-message-store.js';
import { StoreFailureInterceptor } from './store-failure.interceptor.js';

async function build(store: MessageStore): Promise<StoreFailureInterceptor> {
  const moduleRef = await Test.createTestingModule({ providers: [StoreFailureInterceptor, { provide: MESSAGE_STORE, useValue: store }] }).compile();
  return moduleRef.get(StoreFailureInterceptor);
}

/** What a handler failing with `error` turns into. */
async function failureOf(sut: StoreFailureInterceptor, error: unknown): Promise<unknown> {
  const next: CallHandler = { handle: () => throwError(() => error) };
  return lastValueFrom(sut.intercept({} as ExecutionContext, next)).then(
    () => null,
    (e: unknown) => e,
  );
}

describe(StoreFailureInterceptor.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-interceptor-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves domain and HTTP errors as they are', async () => {
    const sut = await build(new MemoryMessageStore());
    const domain = CourierError.validation('bad');
    const http = new NotFoundException();
    expect(await failureOf(sut, domain)).toBe(domain);
    expect(await failureOf(sut, http)).toBe(http);
  });

  it('leaves a failure of a store that still answers as it is (a 500)', async () => {
    const sut = await build(new MemoryMessageStore());
    const bug = new TypeError('x is undefined');
    expect(await failureOf(sut, bug)).toBe(bug);
  });

  it('makes any failure of a store that no longer answers UNAVAILABLE (503)', async () => {
    const store = new SqliteMessageStore(dir);
    await store.open();
    await store.close();
    const sut = await build(store);
    expect(await failureOf(sut, new TypeError('The database connection is not open'))).toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });
});
