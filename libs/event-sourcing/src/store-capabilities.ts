import { TransactionsUnsupported } from './errors.js';
import type { EventStore } from './event-store.js';

/**
 * Fails at start-up, not at the first command, when `caller` is wired to a store that cannot run
 * `withTransaction` (the EventStoreDB adapter): call it where the caller is constructed.
 */
export function requireTransactions(store: EventStore<unknown>, caller: string): void {
  if (!store.capabilities.transactions) throw new TransactionsUnsupported(`${caller} needs them`);
}
