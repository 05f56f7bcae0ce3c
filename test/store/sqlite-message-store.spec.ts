import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteMessageStore } from '../../src/store/sqlite/sqlite-message-store.js';
import { messageStoreContract } from './message-store.contract.js';

messageStoreContract(
  SqliteMessageStore.name,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'courier-sqlite-'));
    let store = new SqliteMessageStore(dir);
    await store.open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = new SqliteMessageStore(dir);
        await store.open();
        return store;
      },
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { durable: true },
);
