import type { EventCatalog } from '@stockflow/contracts';
import {
  assertAppendable,
  pollSubscription,
  type AppendResult,
  type EventStore,
  type EventStoreCapabilities,
  type EventStoreTransaction,
  type EventToAppend,
  type ExpectedVersion,
  type ReadStreamResult,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@stockflow/event-sourcing';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { eventStoreMigrations } from './event-store-migrations.js';
import { EVENT_ID, eventStoreStatements, parseLogPosition, STREAM_VERSION, toRecordedEvent, type EventStoreStatements } from './event-store-statements.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import { migrate } from './migrator.js';
import { int8AsNumber } from './pool.js';
import { appendKind, StreamWrites } from './stream-writes.js';
import { inTransaction } from './transaction.js';

/** How long after the last event or wake a subscription keeps polling at `pollIntervalMs`. */
const ACTIVE_FOR_MS = 1_000;

export interface PostgresEventStoreOptions {
  /** Owned by the caller: the store never ends it. */
  readonly pool: Pool;
  readonly schema: string;
  readonly catalog: EventCatalog;
  /** How long a caught-up subscription sleeps before polling again; 20 ms by default. */
  readonly pollIntervalMs?: number;
  /**
   * The poll interval once nothing has happened for a second (no events read, no `wake`): for a
   * subscriber that is woken on appends, so an idle log costs a few queries a second, not fifty.
   * Defaults to `pollIntervalMs`.
   */
  readonly idlePollIntervalMs?: number;
  /**
   * Group commit for `appendToStream` (see GroupCommit). Off unless given. Appends inside
   * `withTransaction` go through the transaction's connection, never grouped.
   */
  readonly groupCommit?: GroupCommitOptions;
  /**
   * Called after each append, group-commit batch or transaction has committed events: a hook to
   * tell this log's subscribers, in other processes, to read now (see `wake`).
   */
  readonly onAppended?: () => void;
}

/**
 * EventStore on PostgreSQL. An append is one statement (a CTE that bumps the stream's version and
 * inserts the events), so it is atomic without a BEGIN/COMMIT round trip; `withTransaction` joins
 * appends, stream starts and the caller's own statements (on `tx.connection`, a pool client) in one.
 * The global log is ordered by (transaction id, global position) and readers only see transactions
 * below their snapshot's xmin, so an event whose transaction commits late is delivered in order
 * instead of being skipped.
 */
export class PostgresEventStore implements EventStore<PoolClient> {
  readonly capabilities: EventStoreCapabilities = { transactions: true };
  private readonly pool: Pool;
  private readonly catalog: EventCatalog;
  private readonly pollIntervalMs: number;
  private readonly idlePollIntervalMs: number;
  /** When a subscription last read events or was woken (performance.now()). */
  private activeAt = 0;
  private readonly sql: EventStoreStatements;
  private readonly writes: StreamWrites;
  private readonly groupCommit: GroupCommit | null;
  private readonly onAppended: (() => void) | undefined;
  /** Resolves the subscriptions' current poll wait (see `wake`). */
  private wakeWaiters: (() => void)[] = [];

  static async create(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await migrate(options.pool, options.schema, eventStoreMigrations);
    return new PostgresEventStore(options);
  }

  private constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.catalog = options.catalog;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
    this.idlePollIntervalMs = options.idlePollIntervalMs ?? this.pollIntervalMs;
    this.onAppended = options.onAppended;
    this.sql = eventStoreStatements(options.schema);
    this.writes = new StreamWrites(this.pool, this.catalog, this.sql);
    this.groupCommit = options.groupCommit ? new GroupCommit(this.pool, this.sql, this.writes, () => this.notifyAppended(), options.groupCommit) : null;
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    if (!this.groupCommit) {
      const result = this.writes.append(this.pool, streamId, events, expected);
      return this.onAppended ? result.then((r) => (this.notifyAppended(), r)) : result;
    }
    try {
      assertAppendable(this.catalog, streamId, events);
      appendKind(expected);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.groupCommit.append(streamId, events, expected);
  }

  async withTransaction<T>(work: (tx: EventStoreTransaction<PoolClient>) => Promise<T>): Promise<T> {
    let wrote = false;
    const result = await inTransaction(this.pool, (client) =>
      work({
        connection: client,
        appendToStream: async (streamId, events, options = {}) => {
          const appended = await this.writes.append(client, streamId, events, options.expectedVersion ?? 'any');
          wrote ||= !appended.idempotentReplay;
          return appended;
        },
        startStreams: async (streams) => {
          const written = await this.writes.startStreams(client, streams);
          wrote ||= written.length > 0;
          return written;
        },
      }),
    );
    if (wrote) this.notifyAppended();
    return result;
  }

  async readStream(streamId: string, options: { fromPosition?: number; maxCount?: number } = {}): Promise<ReadStreamResult> {
    const { rows } = await this.pool.query<unknown[]>({
      ...this.sql.readStream,
      values: [streamId, options.fromPosition ?? 1, options.maxCount ?? null],
      rowMode: 'array',
      types: int8AsNumber,
    } as QueryConfig);
    const currentVersion = rows[0]![STREAM_VERSION] as number;
    if (rows[0]![EVENT_ID] === null) return { events: [], currentVersion };
    return { events: rows.map(toRecordedEvent), currentVersion };
  }

  async readAll({ after, maxCount }: { after: string | null; maxCount: number }): Promise<RecordedEvent[]> {
    const [transactionId, globalPosition] = parseLogPosition(after);
    const { rows } = await this.pool.query<unknown[]>({
      ...this.sql.readAll,
      values: [transactionId, globalPosition, maxCount],
      rowMode: 'array',
      types: int8AsNumber,
    } as QueryConfig);
    return rows.map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions): AsyncIterable<RecordedEvent[]> {
    // Polling, not LISTEN/NOTIFY: NOTIFY takes a database-wide lock at commit and would serialise appends.
    const readAll = async (o: { after: string | null; maxCount: number }): Promise<RecordedEvent[]> => {
      const events = await this.readAll(o);
      if (events.length > 0) this.activeAt = performance.now();
      return events;
    };
    return pollSubscription({ readAll, waitForAppend: (_timeoutMs, signal) => this.nextPoll(signal) }, options);
  }

  /**
   * Ends the subscriptions' current poll wait: they read at once. For a process that learns of
   * appends made elsewhere (the relay, nudged by the writing service).
   */
  wake(): void {
    this.activeAt = performance.now();
    const waiters = this.wakeWaiters;
    this.wakeWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async headPosition(): Promise<string | null> {
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: number }>({ ...this.sql.head, types: int8AsNumber });
    return rows.length === 0 ? null : `${rows[0]!.transaction_id}:${rows[0]!.global_position}`;
  }

  /** Counts at most COUNT_CAP (1,000,000): beyond that the exact lag does not matter and counting it is slow. */
  async countAfter(after: string | null): Promise<number> {
    const [transactionId, globalPosition] = parseLogPosition(after);
    const { rows } = await this.pool.query<{ n: number }>({ ...this.sql.countAfter, values: [transactionId, globalPosition], types: int8AsNumber });
    return rows[0]!.n;
  }

  /** Nothing to release: the pool belongs to the caller, and subscriptions end with their signals. */
  async close(): Promise<void> {}

  private notifyAppended(): void {
    try {
      this.onAppended?.();
    } catch {
      // A hint only: the subscribers' poll finds the events anyway.
    }
  }

  /** The poll interval, cut short by `wake` (which also clears the timer and the abort listener). */
  private nextPoll(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        const i = this.wakeWaiters.indexOf(done);
        if (i !== -1) this.wakeWaiters.splice(i, 1);
        resolve();
      };
      const active = performance.now() - this.activeAt < ACTIVE_FOR_MS;
      const timer = setTimeout(done, active ? this.pollIntervalMs : this.idlePollIntervalMs);
      signal.addEventListener('abort', done, { once: true });
      this.wakeWaiters.push(done);
    });
  }
}
