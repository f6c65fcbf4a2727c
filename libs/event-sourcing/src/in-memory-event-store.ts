import type { EventCatalog } from '@stockflow/contracts';
import { assertAppendable } from './append-validation.js';
import { DuplicateEventIdConflict } from './errors.js';
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
} from './event-store.js';
import { assertExpectedVersion } from './expected-version.js';
import { pollSubscription, sleep } from './poll-subscription.js';

/** What an in-memory transaction offers the caller's own "statements": effects that run at its commit. */
export interface InMemoryTransactionConnection {
  onCommit(effect: () => void): void;
}

/** Writes of one transaction, applied to the log together at commit. */
interface Staged {
  readonly streams: Map<string, RecordedEvent[]>;
  readonly events: RecordedEvent[];
  readonly effects: (() => void)[];
}

/**
 * Event store for unit tests: one process, so log order is append order. A transaction stages its
 * writes and applies them at commit; appends outside it wait until it ends (as on a locked row).
 */
export class InMemoryEventStore implements EventStore<InMemoryTransactionConnection> {
  readonly capabilities: EventStoreCapabilities = { transactions: true };
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byEventId = new Map<string, RecordedEvent>();
  private appended = signal();
  /** Ends when the open transaction does; appends outside it wait for it. */
  private transactionDone: Promise<void> = Promise.resolve();

  constructor(private readonly catalog: EventCatalog) {}

  async appendToStream(streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    for (let done = this.transactionDone; ; done = this.transactionDone) {
      await done;
      if (done === this.transactionDone) break;
    }
    const staged = emptyStaged();
    const result = this.stage(staged, streamId, events, options.expectedVersion ?? 'any');
    this.apply(staged);
    return result;
  }

  async withTransaction<T>(work: (tx: EventStoreTransaction<InMemoryTransactionConnection>) => Promise<T>): Promise<T> {
    const previous = this.transactionDone;
    let end!: () => void;
    this.transactionDone = new Promise<void>((resolve) => (end = resolve));
    await previous;
    try {
      const staged = emptyStaged();
      const result = await work({
        connection: { onCommit: (effect) => void staged.effects.push(effect) },
        appendToStream: async (streamId, events, options = {}) => this.stage(staged, streamId, events, options.expectedVersion ?? 'any'),
        startStreams: async (starts) => this.stageStarts(staged, starts),
      });
      this.apply(staged);
      return result;
    } finally {
      end();
    }
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

  /** Checks an append against the log plus what `staged` holds, and stages it. */
  private stage(staged: Staged, streamId: string, events: readonly EventToAppend[], expected: ExpectedVersion): AppendResult {
    assertAppendable(this.catalog, streamId, events);
    const stream = [...(this.streams.get(streamId) ?? []), ...(staged.streams.get(streamId) ?? [])];
    const replay = this.idempotentReplay(staged, streamId, events, stream.length);
    if (replay) return replay;
    assertExpectedVersion(streamId, expected, stream.length);
    const occurredAt = new Date().toISOString();
    const recorded = events.map((event, index): RecordedEvent => {
      const globalPosition = this.log.length + staged.events.length + index + 1;
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
    staged.events.push(...recorded);
    staged.streams.set(streamId, [...(staged.streams.get(streamId) ?? []), ...recorded]);
    return { nextExpectedVersion: stream.length + recorded.length, idempotentReplay: false, events: recorded.map(positionsOf) };
  }

  private stageStarts(staged: Staged, starts: readonly StreamStart[]): string[] {
    const seen = new Set<string>();
    for (const { streamId, event } of starts) {
      assertAppendable(this.catalog, streamId, [event]);
      if (seen.has(streamId)) throw new RangeError(`stream "${streamId}" appears twice in one startStreams call`);
      seen.add(streamId);
    }
    const written: string[] = [];
    for (const { streamId, event } of starts) {
      if (this.streams.has(streamId) || staged.streams.has(streamId)) continue;
      this.stage(staged, streamId, [event], 'no_stream');
      written.push(event.eventId);
    }
    return written;
  }

  private apply(staged: Staged): void {
    if (staged.events.length > 0) {
      for (const event of staged.events) {
        this.log.push(event);
        this.byEventId.set(event.eventId, event);
      }
      for (const [streamId, events] of staged.streams) this.streams.set(streamId, [...(this.streams.get(streamId) ?? []), ...events]);
      this.wakeSubscribers();
    }
    for (const effect of staged.effects) effect();
  }

  private idempotentReplay(staged: Staged, streamId: string, events: readonly EventToAppend[], version: number): AppendResult | null {
    const stagedIds = new Map(staged.events.map((e) => [e.eventId, e]));
    const known = events.map((e) => this.byEventId.get(e.eventId) ?? stagedIds.get(e.eventId));
    if (known.every((e) => e === undefined)) return null;
    if (known.some((e) => e === undefined || e.streamId !== streamId)) {
      throw new DuplicateEventIdConflict(streamId, events.filter((_, i) => known[i]).map((e) => e.eventId));
    }
    const stored = known as RecordedEvent[];
    return { nextExpectedVersion: version, idempotentReplay: true, events: stored.map(positionsOf) };
  }

  private waitForAppend(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return Promise.race([sleep(timeoutMs, signal), this.appended.promise]);
  }

  private wakeSubscribers(): void {
    this.appended.resolve();
    this.appended = signal();
  }
}

function emptyStaged(): Staged {
  return { streams: new Map(), events: [], effects: [] };
}

function positionsOf(event: RecordedEvent): AppendResult['events'][number] {
  return { eventId: event.eventId, streamPosition: event.streamPosition, globalPosition: event.globalPosition };
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
