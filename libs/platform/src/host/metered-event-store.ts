import { streamCategory } from '@stockflow/contracts';
import type {
  AppendResult,
  EventStore,
  EventStoreCapabilities,
  EventStoreTransaction,
  EventToAppend,
  ExpectedVersion,
  ReadStreamResult,
  RecordedEvent,
  StreamStart,
  SubscribeToAllOptions,
} from '@stockflow/event-sourcing';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

/**
 * The port, counting every event it writes in `events_appended_total{stream_category}` exactly
 * once: an append when it returns (a replay writes nothing and counts nothing), the appends and
 * stream starts of a transaction when it has committed (a rolled-back one counts nothing).
 */
export class MeteredEventStore<TConnection> implements EventStore<TConnection> {
  constructor(
    private readonly store: EventStore<TConnection>,
    private readonly metrics: ServiceMetrics,
  ) {}

  get capabilities(): EventStoreCapabilities {
    return this.store.capabilities;
  }

  async appendToStream(streamId: string, events: readonly EventToAppend[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult> {
    const result = await this.store.appendToStream(streamId, events, options);
    if (!result.idempotentReplay) this.count(streamId, events.length);
    return result;
  }

  async withTransaction<T>(work: (tx: EventStoreTransaction<TConnection>) => Promise<T>): Promise<T> {
    const written: { streamId: string; events: number }[] = [];
    const result = await this.store.withTransaction((tx) =>
      work({
        connection: tx.connection,
        appendToStream: async (streamId, events, options) => {
          const appended = await tx.appendToStream(streamId, events, options);
          if (!appended.idempotentReplay) written.push({ streamId, events: events.length });
          return appended;
        },
        startStreams: async (streams: readonly StreamStart[]) => {
          const ids = await tx.startStreams(streams);
          if (ids.length > 0) {
            const streamOf = new Map(streams.map((start) => [start.event.eventId, start.streamId]));
            for (const id of ids) written.push({ streamId: streamOf.get(id)!, events: 1 });
          }
          return ids;
        },
      }),
    );
    for (const { streamId, events } of written) this.count(streamId, events);
    return result;
  }

  readStream(streamId: string, options?: { fromPosition?: number; maxCount?: number }): Promise<ReadStreamResult> {
    return this.store.readStream(streamId, options);
  }

  readAll(options: { after: string | null; maxCount: number }): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }

  subscribeToAll(options: SubscribeToAllOptions): AsyncIterable<RecordedEvent[]> {
    return this.store.subscribeToAll(options);
  }

  headPosition(): Promise<string | null> {
    return this.store.headPosition();
  }

  countAfter(after: string | null): Promise<number> {
    return this.store.countAfter(after);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private count(streamId: string, events: number): void {
    this.metrics.eventsAppended.inc({ stream_category: streamCategory(streamId) }, events);
  }
}

/** `store`, counted in `metrics` (see MeteredEventStore). */
export function meteredEventStore<TConnection>(store: EventStore<TConnection>, metrics: ServiceMetrics): EventStore<TConnection> {
  return new MeteredEventStore(store, metrics);
}
