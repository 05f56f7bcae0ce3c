import { MemoryMessageStore } from '../../src/store/memory/memory-message-store.js';
import { messageStoreContract } from './message-store.contract.js';

messageStoreContract(MemoryMessageStore.name, async () => {
  const store = new MemoryMessageStore();
  await store.open();
  return { store, cleanup: () => store.close() };
});
