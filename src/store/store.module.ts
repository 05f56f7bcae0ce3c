import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CourierConfig } from '../config/courier-config.js';
import { MESSAGE_STORE } from './message-store.js';
import type { MessageStore } from './message-store.js';
import { MemoryMessageStore } from './memory/memory-message-store.js';
import { RedisMessageStore } from './redis/redis-message-store.js';
import { SqliteMessageStore } from './sqlite/sqlite-message-store.js';

/** Adapter factories by `STORE`; the Redis adapter registers here too. */
export const STORE_FACTORIES: Record<CourierConfig['store'], (config: CourierConfig) => MessageStore> = {
  // Room for one largest write plus WAL slack, or the store reports itself unable to take writes.
  sqlite: (config) => new SqliteMessageStore(config.dataDir, 'courier.db', config.sqliteSynchronous, config.maxPayloadBytes + 1024 * 1024),
  memory: () => new MemoryMessageStore(),
  redis: (config) => new RedisMessageStore(config.redisUrl, config.redisPrefix),
};

/** Picks the adapter from config.store and opens it before anything else starts. */
@Global()
@Module({
  providers: [{ provide: MESSAGE_STORE, inject: [CourierConfig], useFactory: (config: CourierConfig) => STORE_FACTORIES[config.store](config) }],
  exports: [MESSAGE_STORE],
})
export class StoreModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(MESSAGE_STORE) private readonly store: MessageStore) {}

  async onModuleInit(): Promise<void> {
    await this.store.open();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
