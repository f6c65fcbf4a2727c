import { streamCategory } from '@stockflow/contracts';
import type { AppendResult, EventStore, EventToAppend, ExpectedVersion } from '@stockflow/event-sourcing';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

/** Counts appended events by stream category (`events_appended_total`) around any store. */
export function meteredEventStore<T extends EventStore>(store: T, metrics: ServiceMetrics): T {
  const append = store.appendToStream.bind(store);
  return Object.assign(Object.create(store) as T, {
    async appendToStream(streamId: string, events: readonly EventToAppend[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult> {
      const result = await append(streamId, events, options);
      if (!result.idempotentReplay) metrics.eventsAppended.inc({ stream_category: streamCategory(streamId) }, events.length);
      return result;
    },
  });
}
