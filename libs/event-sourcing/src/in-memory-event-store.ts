import type { EventCatalog } from '@stockflow/contracts';
import { assertAppendable } from './append-validation.js';
import { DuplicateEventIdConflict } from './errors.js';
import type { AppendResult, EventStore, EventToAppend, ExpectedVersion, ReadStreamResult, RecordedEvent, SubscribeToAllOptions } from './event-store.js';
import { assertExpectedVersion } from './expected-version.js';
import { pollSubscription, sleep } from './poll-subscription.js';

/** Event store for unit tests: one process, no transactions, so log order is append order. */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byEventId = new Map<string, RecordedEvent>();
  private appended = signal();

  constructor(private readonly catalog: EventCatalog) {}

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    assertAppendable(this.catalog, streamId, events);
    const stream = this.streams.get(streamId) ?? [];
    const replay = this.idempotentReplay(streamId, events);
    if (replay) return replay;
    assertExpectedVersion(streamId, options.expectedVersion ?? 'any', stream.length);
    const occurredAt = new Date().toISOString();
    const recorded = events.map((event, index): RecordedEvent => {
      const globalPosition = this.log.length + index + 1;
      return {
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        streamId,
        streamPosition: stream.length + index + 1,
        globalPosition,
        occurredAt,
        correlationId: event.correlationId,
        causationId: event.causationId,
        traceparent: event.traceparent,
        data: structuredClone(event.data),
        logPosition: String(globalPosition),
      };
    });
    for (const event of recorded) {
      this.log.push(event);
      stream.push(event);
      this.byEventId.set(event.eventId, event);
    }
    this.streams.set(streamId, stream);
    this.wakeSubscribers();
    return { nextExpectedVersion: stream.length, idempotentReplay: false, events: recorded.map(positionsOf) };
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<ReadStreamResult> {
    const stream = this.streams.get(streamId) ?? [];
    const from = (options.fromPosition ?? 1) - 1;
    const events = stream.slice(from, options.maxCount === undefined ? undefined : from + options.maxCount);
    return { events, currentVersion: stream.length };
  }

  async readAll({ after, maxCount }: { after: string | null; maxCount: number }): Promise<RecordedEvent[]> {
    const start = after === null ? 0 : Number(after);
    return this.log.slice(start, start + maxCount);
  }

  subscribeToAll(options: SubscribeToAllOptions): AsyncIterable<RecordedEvent[]> {
    return pollSubscription({ readAll: (o) => this.readAll(o), waitForAppend: (ms, signal) => this.waitForAppend(ms, signal) }, options);
  }

  async headPosition(): Promise<string | null> {
    return this.log.length === 0 ? null : String(this.log.length);
  }

  async countAfter(after: string | null): Promise<number> {
    return this.log.length - (after === null ? 0 : Number(after));
  }

  async close(): Promise<void> {
    this.wakeSubscribers();
  }

  private idempotentReplay(streamId: string, events: readonly EventToAppend[]): AppendResult | null {
    const known = events.map((e) => this.byEventId.get(e.eventId));
    if (known.every((e) => e === undefined)) return null;
    if (known.some((e) => e === undefined || e.streamId !== streamId)) {
      throw new DuplicateEventIdConflict(streamId, events.filter((_, i) => known[i]).map((e) => e.eventId));
    }
    const stored = known as RecordedEvent[];
    return { nextExpectedVersion: this.streams.get(streamId)!.length, idempotentReplay: true, events: stored.map(positionsOf) };
  }

  private waitForAppend(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return Promise.race([sleep(timeoutMs, signal), this.appended.promise]);
  }

  private wakeSubscribers(): void {
    this.appended.resolve();
    this.appended = signal();
  }
}

function positionsOf(event: RecordedEvent): AppendResult['events'][number] {
  return { eventId: event.eventId, streamPosition: event.streamPosition, globalPosition: event.globalPosition };
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
