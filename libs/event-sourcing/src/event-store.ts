import type { EventEnvelope } from '@stockflow/contracts';

/**
 * What the writer expects the stream's version (its last stream position) to be:
 * `any` — no check; `no_stream` — the stream must not exist; `stream_exists` — it must exist;
 * a number — exactly that version (0 is the same as `no_stream`).
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** Who caused an append: carried into every envelope it writes. */
export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
}

export interface EventToAppend extends EventMetadata {
  /** Idempotency key: appending an event whose id is already stored is a no-op. */
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/** An event as stored: the envelope plus its opaque position in the store's global log. */
export interface RecordedEvent<TType extends string = string, TData = unknown> extends EventEnvelope<TType, TData> {
  /**
   * Opaque, adapter-specific position in the global log, totally ordered in delivery order.
   * Checkpoints store it; only the adapter that produced it can interpret it.
   */
  readonly logPosition: string;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as the next expected version. */
  readonly nextExpectedVersion: number;
  /** True when every event id was already stored: nothing was written. */
  readonly idempotentReplay: boolean;
  readonly events: readonly { eventId: string; streamPosition: number; globalPosition: number }[];
}

export interface ReadStreamResult {
  readonly events: RecordedEvent[];
  /** Last stream position; 0 when the stream does not exist. */
  readonly currentVersion: number;
}

export interface SubscribeToAllOptions {
  /** Deliver events after this log position; null delivers from the start of the log. */
  readonly after: string | null;
  readonly batchSize?: number;
  readonly signal: AbortSignal;
}

/** What an adapter can do beyond the core port; callers check it at start-up (`requireTransactions`). */
export interface EventStoreCapabilities {
  /**
   * `withTransaction` works: appends, stream starts and the caller's own statements commit together
   * or not at all. An adapter without it throws `TransactionsUnsupported` from `withTransaction`.
   */
  readonly transactions: boolean;
}

/** A stream born with its only event (e.g. a delivery's outcome): see `EventStoreTransaction.startStreams`. */
export interface StreamStart {
  readonly streamId: string;
  readonly event: EventToAppend;
}

/**
 * One transaction of the store. Appends through it become readable, and the caller's own statements
 * on `connection` take effect, when `withTransaction`'s work resolves; when it throws, none of them.
 */
export interface EventStoreTransaction<TConnection = unknown> {
  /** The adapter's connection inside this transaction, for the caller's own statements (PostgreSQL: a pool client). */
  readonly connection: TConnection;
  appendToStream(streamId: string, events: readonly EventToAppend[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  /**
   * Starts many streams with one event each, as one write: streams that exist already are skipped
   * (not a conflict), so a repeated call adds nothing. Returns the ids of the events written.
   */
  startStreams(streams: readonly StreamStart[]): Promise<string[]>;
}

/**
 * The event store port. Every adapter passes the shared contract suite (`@stockflow/event-sourcing/testing`).
 * `TConnection` is what a transaction offers the caller's own statements (see `withTransaction`).
 */
export interface EventStore<TConnection = unknown> {
  readonly capabilities: EventStoreCapabilities;
  /**
   * Runs `work` in one transaction: commits when it resolves, rolls back when it throws (the error
   * propagates). Only where `capabilities.transactions`; otherwise it throws `TransactionsUnsupported`.
   */
  withTransaction<T>(work: (tx: EventStoreTransaction<TConnection>) => Promise<T>): Promise<T>;
  appendToStream(streamId: string, events: readonly EventToAppend[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  readStream(streamId: string, options?: { fromPosition?: number; maxCount?: number }): Promise<ReadStreamResult>;
  /** Up to `maxCount` events after `after`, in log order, never skipping an event that commits later. */
  readAll(options: { after: string | null; maxCount: number }): Promise<RecordedEvent[]>;
  /** Catch up from `after`, then follow the log live; yields non-empty batches in log order until aborted. */
  subscribeToAll(options: SubscribeToAllOptions): AsyncIterable<RecordedEvent[]>;
  /** The position of the newest event in the log, or null when it is empty (for lag metrics). */
  headPosition(): Promise<string | null>;
  /** How many events lie after `after` up to the head (for lag metrics); adapters may cap the count. */
  countAfter(after: string | null): Promise<number>;
  close(): Promise<void>;
}
