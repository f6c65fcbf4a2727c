import { streamCategory } from '@stockflow/contracts';
import type { EventStore, EventStoreTransaction } from '@stockflow/event-sourcing';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

/** The port's own signatures: the decorator adds nothing to them. */
type Port<TConnection> = EventStore<TConnection>;

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

  get capabilities(): Port<TConnection>['capabilities'] {
    return this.store.capabilities;
  }

  async appendToStream(...[streamId, events, options]: Parameters<Port<TConnection>['appendToStream']>): ReturnType<Port<TConnection>['appendToStream']> {
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
        startStreams: async (streams) => {
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

  readStream(...args: Parameters<Port<TConnection>['readStream']>): ReturnType<Port<TConnection>['readStream']> {
    return this.store.readStream(...args);
  }

  readAll(...args: Parameters<Port<TConnection>['readAll']>): ReturnType<Port<TConnection>['readAll']> {
    return this.store.readAll(...args);
  }

  subscribeToAll(...args: Parameters<Port<TConnection>['subscribeToAll']>): ReturnType<Port<TConnection>['subscribeToAll']> {
    return this.store.subscribeToAll(...args);
  }

  headPosition(): Promise<string | null> {
    return this.store.headPosition();
  }

  countAfter(...args: Parameters<Port<TConnection>['countAfter']>): ReturnType<Port<TConnection>['countAfter']> {
    return this.store.countAfter(...args);
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
