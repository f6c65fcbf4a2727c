import { streamCategory } from '@stockflow/contracts';
import type { AppendResult, EventStore, EventToAppend, ExpectedVersion } from '@stockflow/event-sourcing';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

type AppendWith = (db: unknown, streamId: string, events: readonly EventToAppend[], options?: { expectedVersion?: ExpectedVersion }) => Promise<AppendResult>;

/**
 * Counts appended events by stream category (`events_appended_total`) around any store, through
 * `appendToStream` and, where the store has it, `appendWith` (appends inside a caller's transaction;
 * counted when the statement succeeds, as a rolled-back transaction is rare and retried).
 */
export function meteredEventStore<T extends EventStore>(store: T, metrics: ServiceMetrics): T {
  const count = (streamId: string, events: readonly EventToAppend[], result: AppendResult): AppendResult => {
    if (!result.idempotentReplay) metrics.eventsAppended.inc({ stream_category: streamCategory(streamId) }, events.length);
    return result;
  };
  const append = store.appendToStream.bind(store);
  const wrapper: Partial<EventStore> & { appendWith?: AppendWith } = {
    appendToStream: async (streamId, events, options) => count(streamId, events, await append(streamId, events, options)),
  };
  const appendWith = (store as unknown as { appendWith?: AppendWith }).appendWith?.bind(store);
  if (appendWith) wrapper.appendWith = async (db, streamId, events, options) => count(streamId, events, await appendWith(db, streamId, events, options));
  return Object.assign(Object.create(store) as T, wrapper);
}
