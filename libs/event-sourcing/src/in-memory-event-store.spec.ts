import { InMemoryEventStore, type InMemoryTransactionConnection } from './in-memory-event-store.js';
import { contractTestCatalog, describeEventStoreContract } from './testing/index.js';

describeEventStoreContract<InMemoryTransactionConnection>('in-memory', async () => {
  const committed = new Set<string>();
  return {
    store: new InMemoryEventStore(contractTestCatalog),
    ownStatement: {
      write: async (tx, key) => tx.connection.onCommit(() => committed.add(key)),
      committed: async (key) => committed.has(key),
    },
    teardown: async () => undefined,
  };
});
