import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  NO_STREAM,
  START,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type CurrentRevision,
  type Direction,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import type { EventCatalog } from '@stockflow/contracts';
import {
  assertAppendable,
  ConcurrencyConflict,
  DuplicateEventIdConflict,
  TransactionsUnsupported,
  type AppendResult,
  type EventStore,
  type EventStoreCapabilities,
  type EventToAppend,
  type ExpectedVersion,
  type ReadStreamResult,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@stockflow/event-sourcing';
import {
  comparePositions,
  decodeLogPosition,
  encodeLogPosition,
  isSystemEvent,
  positionOf,
  revisionOf,
  streamPositionOf,
  toEventData,
  toExpectedRevision,
  toRecordedEvent,
  toRecordedEventStrict,
  toStreamVersion,
} from './esdb-mapping.js';

/** The part of EventStoreDBClient the store uses (a test double implements just this). */
export type EsdbClient = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>;

export interface EventStoreDbConnectOptions {
  /** e.g. `esdb://127.0.0.1:2113?tls=false`; credentials go in the string (`esdb://admin:changeit@…`). */
  readonly connectionString: string;
  readonly catalog: EventCatalog;
  /** See EventStoreDbEventStoreOptions.streamPrefix. */
  readonly streamPrefix?: string;
}

export interface EventStoreDbEventStoreOptions {
  readonly client: EsdbClient;
  readonly catalog: EventCatalog;
  /** Whether close() disposes the client; true for stores made by connect(). */
  readonly ownsClient?: boolean;
  /**
   * Prepended to every stream id on the server (e.g. `inventory.` stores `sku-42` as
   * `inventory.sku-42`), and the global log is the streams that start with it: contexts, tenants
   * and test runs share one `$all` without seeing each other. Empty (the default): every stream.
   */
  readonly streamPrefix?: string;
}

/**
 * A client of the server at `connectionString`; its gRPC channel opens on the first call. KurrentDB's
 * own schemes (`kurrentdb://`, `kurrentdb+discover://`) are read as the `esdb` ones the 6.x client
 * parses: the protocol and the rest of the string are the same (ADR 0047).
 */
export function connectEsdbClient(connectionString: string): EsdbClient {
  return EventStoreDBClient.connectionString(connectionString.replace(/^kurrentdb(\+discover)?:\/\//i, (_, discover: string | undefined) => `esdb${discover ?? ''}://`));
}

/** countAfter stops counting here: beyond it the exact lag does not matter and counting reads the log. */
export const COUNT_AFTER_CAP = 100_000;
/** headPosition looks this far back for the newest event of ours before it settles for the log's tail. */
const HEAD_SCAN_LIMIT = 10_000;
const DEFAULT_BATCH = 1000;
const MAX_PAGE = 4096;

/**
 * EventStore on EventStoreDB (gRPC client 6.x, server 22.6 or later).
 *
 * - Streams are ESDB streams; versions map 1:1 (`streamPosition = revision + 1`).
 * - The global log is `$all` without system events (`$`-prefixed types or streams) and without
 *   events this adapter did not write. `logPosition` is `"<commit>:<prepare>"`; ESDB has a single
 *   writer, so `$all` order is commit order and no event can appear behind a position later.
 * - `globalPosition` is the commit position (a byte offset in the transaction log) as a Number:
 *   unique per event for gRPC appends, increasing in log order, but not dense.
 * - Idempotency is EventStoreDB's own (see appendToStream).
 */
export class EventStoreDbEventStore implements EventStore<never> {
  /**
   * No transactions: EventStoreDB appends to one stream atomically and cannot join that append to
   * other streams' appends or to another database's writes. Callers that need them check this at
   * start-up (`requireTransactions`).
   */
  readonly capabilities: EventStoreCapabilities = { transactions: false };
  private readonly client: EsdbClient;
  private readonly catalog: EventCatalog;
  private readonly ownsClient: boolean;
  private closed = false;
  private readonly subscriptions = new Set<() => void>();
  private readonly prefix: string;

  /** Builds a client from the connection string; the gRPC channel connects lazily, on the first call. */
  static async connect(options: EventStoreDbConnectOptions): Promise<EventStoreDbEventStore> {
    const client = connectEsdbClient(options.connectionString);
    return new EventStoreDbEventStore({ client, catalog: options.catalog, ownsClient: true, ...(options.streamPrefix ? { streamPrefix: options.streamPrefix } : {}) });
  }

  constructor(options: EventStoreDbEventStoreOptions) {
    this.client = options.client;
    this.catalog = options.catalog;
    this.ownsClient = options.ownsClient ?? false;
    this.prefix = options.streamPrefix ?? '';
    if (this.prefix.startsWith('$')) throw new RangeError(`stream prefix ${this.prefix} would name system streams`);
  }

  async withTransaction<T>(): Promise<T> {
    throw new TransactionsUnsupported('EventStoreDB appends to one stream atomically and cannot join other writes');
  }

  /**
   * Appends atomically with EventStoreDB's expected-revision check. Idempotency is the server's:
   * with an exact expected version (or `no_stream`) a re-append of the same event ids at the same
   * positions is always recognised; with `any`/`stream_exists` the server only recognises ids that
   * are still in its in-memory cache of recently committed events (lost on restart or leader
   * change), and an id reused in *another* stream is not detected at all. A replay is reported as
   * `idempotentReplay: true` by comparing the stream's version before the append with where the
   * acknowledged events lie; the events' positions are read back (the append reply has only one).
   */
  async appendToStream(streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    assertAppendable(this.catalog, streamId, events);
    const expected = options.expectedVersion ?? 'any';
    const expectedRevision = toExpectedRevision(expected);
    const ids = events.map((e) => e.eventId.toLowerCase());
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length > 0) throw new DuplicateEventIdConflict(streamId, repeated);

    const versionBefore = await this.streamVersion(streamId);
    let nextExpectedRevision: bigint;
    try {
      ({ nextExpectedRevision } = await this.client.appendToStream(this.prefix + streamId, events.map(toEventData), { expectedRevision }));
    } catch (error) {
      if (isWrongExpectedVersion(error)) return this.resolveWrongExpectedVersion(streamId, ids, expected, expectedRevision, error.actualVersion);
      throw error;
    }
    const lastPosition = streamPositionOf(nextExpectedRevision);
    const stored = await this.readPositions(streamId, lastPosition - ids.length + 1, ids);
    if (!stored) throw new Error(`stream ${streamId}: EventStoreDB acknowledged the append but the events are not at positions ending at ${lastPosition}`);
    return { nextExpectedVersion: lastPosition, idempotentReplay: lastPosition <= versionBefore, events: stored };
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<ReadStreamResult> {
    const fromPosition = options.fromPosition ?? 1;
    const maxCount = options.maxCount;
    if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 0)) throw new RangeError(`invalid maxCount ${maxCount}`);
    if (maxCount === 0) return { events: [], currentVersion: await this.streamVersion(streamId) };
    const resolved = await this.readStreamEvents(streamId, { fromRevision: revisionOf(fromPosition), ...(maxCount === undefined ? {} : { maxCount }) });
    if (resolved === null) return { events: [], currentVersion: 0 };
    const events = resolved.map((r) => this.withoutPrefix(toRecordedEventStrict(r)));
    // A read to the end gives the version in the same answer as the events; a page or an empty
    // read (fromPosition past the end) asks for the stream's last revision.
    const readToEnd = events.length > 0 && (maxCount === undefined || events.length < maxCount);
    const currentVersion = readToEnd ? events[events.length - 1]!.streamPosition : await this.streamVersion(streamId);
    return { events, currentVersion };
  }

  async readAll({ after, maxCount }: { after: string | null; maxCount: number }): Promise<RecordedEvent[]> {
    if (!Number.isSafeInteger(maxCount) || maxCount < 0) throw new RangeError(`invalid maxCount ${maxCount}`);
    const events: RecordedEvent[] = [];
    if (maxCount === 0) return events;
    for await (const resolved of this.scanAll(decodeLogPosition(after), FORWARDS, maxCount + 1)) {
      const event = this.ours(resolved);
      if (event === null) continue;
      events.push(event);
      if (events.length >= maxCount) break;
    }
    return events;
  }

  /**
   * A native catch-up subscription to `$all` with a server-side filter that drops system event
   * types. Batches group what has arrived by the time the consumer asks (at most `batchSize`); the
   * subscription ends when `signal` aborts or the consumer stops iterating.
   */
  subscribeToAll(options: SubscribeToAllOptions): AsyncIterable<RecordedEvent[]> {
    return this.subscription(options);
  }

  /** The position of the newest event the port delivers, or — when none is near the tail — of the log's tail. */
  async headPosition(): Promise<string | null> {
    let tail: Position | null = null;
    let scanned = 0;
    for await (const resolved of this.scanAll(null, BACKWARDS, 16)) {
      const position = positionOf(resolved);
      if (position === null) continue;
      tail ??= position;
      if (this.ours(resolved) !== null) return encodeLogPosition(position);
      if (++scanned >= HEAD_SCAN_LIMIT) break;
    }
    return tail === null ? null : encodeLogPosition(tail);
  }

  /** Counts the port's events after `after` by reading forward; stops at COUNT_AFTER_CAP (100,000). */
  async countAfter(after: string | null): Promise<number> {
    let count = 0;
    for await (const resolved of this.scanAll(decodeLogPosition(after), FORWARDS, MAX_PAGE)) {
      if (this.ours(resolved) === null) continue;
      if (++count >= COUNT_AFTER_CAP) break;
    }
    return count;
  }

  /** Ends open subscriptions and, for a store made by connect(), disposes the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.subscriptions]) stop();
    if (this.ownsClient) await this.client.dispose();
  }

  /** The port's event for a `$all` event of this store's streams (the prefix taken off), else null. */
  private ours(resolved: AllStreamResolvedEvent): RecordedEvent | null {
    if (this.prefix && !resolved.event?.streamId.startsWith(this.prefix)) return null;
    const event = toRecordedEvent(resolved);
    return event === null ? null : this.withoutPrefix(event);
  }

  private withoutPrefix(event: RecordedEvent): RecordedEvent {
    return this.prefix ? { ...event, streamId: event.streamId.slice(this.prefix.length) } : event;
  }

  /**
   * The append failed its expected-revision check. EventStoreDB reports a partly repeated batch
   * the same way, so for an exact expectation the positions it would have taken are read: all
   * ids there is a replay (a race with the original append), some is a duplicate, none a conflict.
   */
  private async resolveWrongExpectedVersion(
    streamId: string,
    ids: readonly string[],
    expected: ExpectedVersion,
    expectedRevision: AppendExpectedRevision,
    actual: CurrentRevision | undefined,
  ): Promise<AppendResult> {
    const actualVersion = toStreamVersion(actual);
    if (expectedRevision === NO_STREAM || typeof expectedRevision === 'bigint') {
      const first = expectedRevision === NO_STREAM ? 1 : streamPositionOf(expectedRevision) + 1;
      const found = await this.idsAt(streamId, first, ids.length);
      const stored = ids.filter((id, i) => found[i] === id);
      if (stored.length === ids.length) {
        const positions = await this.readPositions(streamId, first, ids);
        if (positions) return { nextExpectedVersion: first + ids.length - 1, idempotentReplay: true, events: positions };
      }
      if (stored.length > 0) throw new DuplicateEventIdConflict(streamId, stored);
    } else if (actualVersion > 0) {
      // `any` never fails its check and `stream_exists` only on a missing stream: on an existing one
      // the server rejected a batch whose ids it has partly committed already.
      throw new DuplicateEventIdConflict(streamId, ids);
    }
    throw new ConcurrencyConflict(streamId, String(expected), actualVersion === 0 ? null : actualVersion);
  }

  /** Positions of the events at `from…` when their ids are `ids` in order; null otherwise. */
  private async readPositions(streamId: string, from: number, ids: readonly string[]): Promise<AppendResult['events'] | null> {
    if (from < 1) return null;
    const resolved = await this.readStreamEvents(streamId, { fromRevision: revisionOf(from), maxCount: ids.length });
    if (resolved === null || resolved.length !== ids.length) return null;
    const events: AppendResult['events'][number][] = [];
    for (let i = 0; i < ids.length; i++) {
      const recorded = resolved[i]!.event;
      const position = positionOf(resolved[i]!);
      if (!recorded || recorded.id.toLowerCase() !== ids[i]) return null;
      if (position === null) throw new Error(`event ${recorded.id} carries no log position: the EventStoreDB adapter needs server 22.6 or later`);
      events.push({ eventId: recorded.id, streamPosition: streamPositionOf(recorded.revision), globalPosition: Number(position.commit) });
    }
    return events;
  }

  /** The event ids at positions `from … from+count-1` (fewer when the stream is shorter). */
  private async idsAt(streamId: string, from: number, count: number): Promise<string[]> {
    const resolved = await this.readStreamEvents(streamId, { fromRevision: revisionOf(from), maxCount: count });
    return (resolved ?? []).map((r) => r.event?.id.toLowerCase() ?? '');
  }

  /** The stream's version (its last revision + 1), 0 when it does not exist. */
  private async streamVersion(streamId: string): Promise<number> {
    const last = await this.readStreamEvents(streamId, { fromRevision: END, direction: BACKWARDS, maxCount: 1 });
    const event = last?.[0]?.event;
    return event ? streamPositionOf(event.revision) : 0;
  }

  /** A whole stream read; null when the stream does not exist. */
  private async readStreamEvents(
    streamId: string,
    options: { fromRevision: bigint | typeof END; maxCount?: number; direction?: Direction },
  ): Promise<ResolvedEvent[] | null> {
    const events: ResolvedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(this.prefix + streamId, { direction: FORWARDS, ...options })) events.push(resolved);
    } catch (error) {
      if (isStreamNotFound(error)) return null;
      throw error;
    }
    return events;
  }

  /**
   * Every `$all` event strictly after (forwards) or before (backwards) `from`, in pages that start
   * at `firstPage` events and double (system events are filtered here, not by the server). ESDB
   * reads forwards from a position inclusively, so each page starts at the last event seen and
   * skips it; stopping early cancels the read in flight.
   */
  private async *scanAll(from: Position | null, direction: Direction, firstPage: number): AsyncGenerator<AllStreamResolvedEvent> {
    let cursor = from;
    for (let page = Math.min(Math.max(firstPage, 2), MAX_PAGE); ; page = Math.min(page * 2, MAX_PAGE)) {
      const fromPosition: ReadPosition = cursor ?? (direction === FORWARDS ? START : END);
      const read = this.client.readAll({ fromPosition, direction, maxCount: page });
      let received = 0;
      let ended = false;
      try {
        for await (const resolved of read) {
          received++;
          const position = positionOf(resolved);
          if (position === null) continue;
          if (cursor !== null) {
            const order = comparePositions(position, cursor);
            if (direction === FORWARDS ? order <= 0 : order >= 0) continue;
          }
          cursor = position;
          yield resolved;
        }
        ended = true;
      } finally {
        if (!ended) await cancelQuietly(read);
      }
      if (received < page) return;
    }
  }

  private async *subscription({ after, batchSize = DEFAULT_BATCH, signal }: SubscribeToAllOptions): AsyncGenerator<RecordedEvent[]> {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`invalid batchSize ${batchSize}`);
    if (signal.aborted || this.closed) return;
    const from = decodeLogPosition(after);
    // Server-side: only the prefix's streams (system streams start with `$`), or no system events.
    const filter = this.prefix ? streamNameFilter({ prefixes: [this.prefix] }) : excludeSystemEvents();
    const subscription = this.client.subscribeToAll({ fromPosition: from ?? START, filter });
    const highWater = Math.max(batchSize * 2, DEFAULT_BATCH);
    const queue: RecordedEvent[] = [];
    let lastQueued = from;
    let failure: unknown = null;
    let ended = false;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      const resolve = wake;
      wake = null;
      resolve?.();
    };
    const stop = (): void => {
      ended = true;
      notify();
    };

    subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      const position = positionOf(resolved);
      // The server starts after `from`; the check also keeps a position from being delivered twice.
      if (position === null || (lastQueued !== null && comparePositions(position, lastQueued) <= 0)) return;
      lastQueued = position;
      if (isSystemEvent(resolved)) return;
      const event = this.ours(resolved);
      if (event === null) return;
      queue.push(event);
      if (queue.length >= highWater) subscription.pause();
      notify();
    });
    subscription.on('error', (error: unknown) => {
      failure = error;
      notify();
    });
    subscription.on('end', stop);
    subscription.on('close', stop);
    signal.addEventListener('abort', notify, { once: true });
    this.subscriptions.add(stop);

    try {
      while (!signal.aborted && !this.closed) {
        if (queue.length === 0) {
          if (failure !== null) throw failure;
          if (ended) {
            if (signal.aborted || this.closed) return;
            throw new Error('EventStoreDB subscription to $all ended unexpectedly');
          }
          await new Promise<void>((resolve) => (wake = resolve));
          // Let events that arrived together with the first one join its batch.
          if (queue.length > 0 && queue.length < batchSize) await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const batch = queue.splice(0, batchSize);
        if (subscription.isPaused() && queue.length < highWater / 2) subscription.resume();
        yield batch;
      }
    } finally {
      signal.removeEventListener('abort', notify);
      this.subscriptions.delete(stop);
      await subscription.unsubscribe().catch(() => undefined);
    }
  }
}

function isWrongExpectedVersion(error: unknown): error is { actualVersion: CurrentRevision } {
  return (error as { type?: unknown } | null)?.type === ErrorType.WRONG_EXPECTED_VERSION;
}

function isStreamNotFound(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === ErrorType.STREAM_NOT_FOUND;
}

async function cancelQuietly(read: StreamingRead<unknown>): Promise<void> {
  try {
    await read.cancel();
  } catch {
    // The read is abandoned either way.
  }
}
