import { streamCategory } from '@stockflow/contracts';
import type { EventStore, EventStoreTransaction, EventToAppend } from '@stockflow/event-sourcing';
import { activeTraceparent, inSpan, SpanKind, traceparentOf } from '@stockflow/messaging';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

/** The port's own signatures: the decorator adds nothing to them. */
type Port<TConnection> = EventStore<TConnection>;

/**
 * The port, each write in a span of its own (ADR 0037), counting every event it writes in `events_appended_total{stream_category}` exactly
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
    const caller = activeTraceparent();
    return inSpan(`append ${streamCategory(streamId)}`, SpanKind.INTERNAL, undefined, { 'stockflow.stream': streamId, 'stockflow.events': events.length }, async (span) => {
      const result = await this.store.appendToStream(streamId, stamped(events, caller, traceparentOf(span)), options);
      if (!result.idempotentReplay) this.count(streamId, events.length);
      return result;
    });
  }

  async withTransaction<T>(work: (tx: EventStoreTransaction<TConnection>) => Promise<T>): Promise<T> {
    const written: { streamId: string; events: number }[] = [];
    const caller = activeTraceparent();
    const result = await inSpan('append (transaction)', SpanKind.INTERNAL, undefined, {}, (span) => {
      const own = traceparentOf(span);
      return this.store.withTransaction((tx) =>
        work({
          connection: tx.connection,
          appendToStream: async (streamId, events, options) => {
            const appended = await tx.appendToStream(streamId, stamped(events, caller, own), options);
            if (!appended.idempotentReplay) written.push({ streamId, events: events.length });
            return appended;
          },
          startStreams: async (streams) => {
            const ids = await tx.startStreams(streams.map((start) => ({ streamId: start.streamId, event: stamped([start.event], caller, own)[0]! })));
            if (ids.length > 0) {
              const streamOf = new Map(streams.map((start) => [start.event.eventId, start.streamId]));
              for (const id of ids) written.push({ streamId: streamOf.get(id)!, events: 1 });
            }
            return ids;
          },
        }),
      );
    });
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

/**
 * The events with the append span as their trace parent where they named the caller's span (ADR
 * 0037): the relay's publish span is then a child of the append, a hop of its own.
 */
function stamped(events: readonly EventToAppend[], caller: string | null, own: string | null): readonly EventToAppend[] {
  if (!caller || !own) return events;
  return events.map((event) => (event.traceparent === caller ? { ...event, traceparent: own } : event));
}

/** `store`, counted in `metrics` (see MeteredEventStore). */
export function meteredEventStore<TConnection>(store: EventStore<TConnection>, metrics: ServiceMetrics): EventStore<TConnection> {
  return new MeteredEventStore(store, metrics);
}
