import { RedisMessageStore } from '../../src/store/redis/redis-message-store.js';
import { connectTestRedis, deleteByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { messageStoreContract } from './message-store.contract.js';

messageStoreContract(
  RedisMessageStore.name,
  async () => {
    const admin = await connectTestRedis();
    const prefix = uniquePrefix();
    let store = new RedisMessageStore(REDIS_URL, prefix);
    await store.open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = new RedisMessageStore(REDIS_URL, prefix);
        await store.open();
        return store;
      },
      cleanup: async () => {
        await store.close();
        await deleteByPrefix(admin, prefix);
        admin.disconnect();
      },
    };
  },
  { durable: true },
);
