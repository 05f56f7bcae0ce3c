import { Test } from '@nestjs/testing';
import { HealthIndicatorService } from '@nestjs/terminus';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CourierConfig } from '../config/courier-config.js';
import { MemoryMessageStore } from '../store/memory/memory-message-store.js';
import { MESSAGE_STORE } from '../store/message-store.js';
import type { MessageStore } from '../store/message-store.js';
import { SqliteMessageStore } from '../store/sqlite/sqlite-message-store.js';
import { StoreHealthIndicator } from './store.health.js';

async function build(store: MessageStore, kind: string): Promise<StoreHealthIndicator> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      StoreHealthIndicator,
      HealthIndicatorService,
      { provide: MESSAGE_STORE, useValue: store },
      { provide: CourierConfig, useValue: CourierConfig.with({ STORE: kind }) },
    ],
  }).compile();
  return moduleRef.get(StoreHealthIndicator);
}

describe(StoreHealthIndicator.name, () => {
  it('is up while the store answers a ping', async () => {
    const sut = await build(new MemoryMessageStore(), 'memory');
    expect(await sut.check()).toEqual({ store: expect.objectContaining({ status: 'up', kind: 'memory' }) });
  });

  it('is down, with the reason, when the store cannot be used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'courier-health-'));
    try {
      const store = new SqliteMessageStore(dir);
      await store.open();
      await store.close();
      const sut = await build(store, 'sqlite');
      expect(await sut.check()).toEqual({ store: expect.objectContaining({ status: 'down', message: expect.stringContaining('not open') }) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
