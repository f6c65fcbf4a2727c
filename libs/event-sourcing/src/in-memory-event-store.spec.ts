import { InMemoryEventStore } from './in-memory-event-store.js';
import { contractTestCatalog, describeEventStoreContract } from './testing/index.js';

describeEventStoreContract('in-memory', async () => ({
  store: new InMemoryEventStore(contractTestCatalog),
  teardown: async () => undefined,
}));
