import type { EventCatalog } from '@stockflow/contracts';
import { EventColumns } from './event-columns.js';
import {
  assertAppendable,
  ConcurrencyConflict,
  DuplicateEventIdConflict,
  pollSubscription,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedVersion,
  type ReadStreamResult,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@stockflow/event-sourcing';
import { createHash } from 'node:crypto';
import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { eventStoreMigrations } from './event-store-migrations.js';
import { migrate, quoteSchema } from './migrator.js';
import { int8AsNumber } from './pool.js';

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
   * Group commit for `appendToStream`: appends that arrive while earlier ones are in flight go to
   * PostgreSQL together, as one statement (one round trip, one commit) with each stream's own
   * expected version; a stream whose check fails fails alone. Off unless given.
   */
  readonly groupCommit?: GroupCommitOptions;
  /**
   * Called after each `appendToStream` (or group-commit batch) has committed: a hook to tell this
   * log's subscribers, in other processes, to read now (see `wake`).
   */
  readonly onAppended?: () => void;
}

export interface GroupCommitOptions {
  /** Statements in flight at once (each holds one pooled connection). Default 4. */
  readonly maxInFlight?: number;
  /** Appends per statement at most. Default 256. */
  readonly maxBatch?: number;
}

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly EventToAppend[];
  readonly expected: ExpectedVersion;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/** The expected version as the batch statement takes it: n > 0 exact, 0 new, -1 any, -2 existing. */
const EXPECTED_CODE: Record<Exclude<AppendKind, 'exact'>, number> = { no_stream: 0, any: -1, stream_exists: -2 };

/** The pool, or a checked-out client, possibly inside the caller's transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

type AppendKind = 'any' | 'no_stream' | 'stream_exists' | 'exact';

interface AppendedRow {
  event_id: string;
  stream_position: number;
  global_position: number;
}

interface StoredIdRow {
  event_id: string | null;
  stream_id: string | null;
  stream_position: number | null;
  global_position: number | null;
  version: number;
}

// Event reads use array rows: no per-row object keyed by column name before the envelope is built.
const EVENT_COLUMNS = `global_position, transaction_id, stream_id, stream_position, event_id, type, schema_version, data,
  correlation_id, causation_id, traceparent, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const GLOBAL_POSITION = 0;
const TRANSACTION_ID = 1;
const STREAM_ID = 2;
const STREAM_POSITION = 3;
const EVENT_ID = 4;
const TYPE = 5;
const SCHEMA_VERSION = 6;
const DATA = 7;
const CORRELATION_ID = 8;
const CAUSATION_ID = 9;
const TRACEPARENT = 10;
const OCCURRED_AT = 11;
/** readStream appends the stream's version after the event columns. */
const STREAM_VERSION = 12;

const COUNT_CAP = 1_000_000;
const LOG_POSITION = /^(\d{1,20}):(\d{1,19})$/;
const START_OF_LOG = ['0', '0'] as const;
const EVENT_ID_UNIQUE = 'events_event_id_key';

/**
 * EventStore on PostgreSQL. An append is one statement (a CTE that bumps the stream's version and
 * inserts the events), so it is atomic without a BEGIN/COMMIT round trip. The global log is ordered by
 * (transaction id, global position) and readers only see transactions below their snapshot's xmin,
 * so an event whose transaction commits late is delivered in order instead of being skipped.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly catalog: EventCatalog;
  private readonly pollIntervalMs: number;
  private readonly idlePollIntervalMs: number;
  /** When a subscription last read events or was woken (performance.now()). */
  private activeAt = 0;
  private readonly append: Record<AppendKind, { name: string; text: string }>;
  private readonly sql: Record<'conflict' | 'readStream' | 'readAll' | 'head' | 'countAfter' | 'startStreams' | 'appendMany', { name: string; text: string }>;
  private readonly groupCommit: Required<GroupCommitOptions> | null;
  private readonly onAppended: (() => void) | undefined;
  /** Resolves the subscriptions' current poll wait (see `wake`). */
  private wakeWaiters: (() => void)[] = [];
  private queue: PendingAppend[] = [];
  private inFlight = 0;
  /** Streams with an append in flight: a second append to one waits, so batches never lock a stream row twice. */
  private readonly busyStreams = new Set<string>();

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
    this.groupCommit = options.groupCommit ? { maxInFlight: options.groupCommit.maxInFlight ?? 4, maxBatch: options.groupCommit.maxBatch ?? 256 } : null;
    const s = quoteSchema(options.schema);
    const statement = (purpose: string, text: string): { name: string; text: string } => ({ name: statementName(options.schema, purpose), text });
    const insertEvents = `
      INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, schema_version, data, correlation_id, causation_id, traceparent)
      SELECT $1, s.version - $2::bigint + e.ord, e.event_id, e.type, e.schema_version, e.data, e.correlation_id, e.causation_id, e.traceparent
      FROM s, unnest($3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS e(event_id, type, schema_version, data, correlation_id, causation_id, traceparent, ord)
      RETURNING event_id, stream_position, global_position`;
    this.append = {
      any: statement(
        'append_any',
        `WITH s AS (
          INSERT INTO ${s}.streams AS st (stream_id, version) VALUES ($1, $2::bigint)
          ON CONFLICT (stream_id) DO UPDATE SET version = st.version + $2::bigint
          RETURNING version
        ) ${insertEvents}`,
      ),
      no_stream: statement(
        'append_new',
        `WITH s AS (
          INSERT INTO ${s}.streams (stream_id, version) VALUES ($1, $2::bigint)
          ON CONFLICT (stream_id) DO NOTHING
          RETURNING version
        ) ${insertEvents}`,
      ),
      stream_exists: statement(
        'append_existing',
        `WITH s AS (
          UPDATE ${s}.streams SET version = version + $2::bigint WHERE stream_id = $1 RETURNING version
        ) ${insertEvents}`,
      ),
      exact: statement(
        'append_exact',
        `WITH s AS (
          UPDATE ${s}.streams SET version = version + $2::bigint WHERE stream_id = $1 AND version = $10::bigint RETURNING version
        ) ${insertEvents}`,
      ),
    };
    // A stream row that always exists in the result keeps the version and the events in one snapshot.
    const streamVersion = (param: string): string => `(SELECT coalesce((SELECT version FROM ${s}.streams WHERE stream_id = ${param}), 0) AS version) v`;
    const finalTransactions = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
    this.sql = {
      conflict: statement(
        'append_conflict',
        `SELECT e.event_id, e.stream_id, e.stream_position, e.global_position, v.version
         FROM ${streamVersion('$2')} LEFT JOIN ${s}.events e ON e.event_id = ANY($1::uuid[])
         ORDER BY e.stream_position`,
      ),
      readStream: statement(
        'read_stream',
        `SELECT e.*, v.version
         FROM ${streamVersion('$1')}
         LEFT JOIN LATERAL (
           SELECT ${EVENT_COLUMNS} FROM ${s}.events
           WHERE stream_id = $1 AND stream_position >= $2 ORDER BY stream_position LIMIT $3
         ) e ON true
         ORDER BY e.stream_position`,
      ),
      readAll: statement(
        'read_all',
        `SELECT ${EVENT_COLUMNS} FROM ${s}.events
         WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) AND ${finalTransactions}
         ORDER BY transaction_id, global_position LIMIT $3`,
      ),
      head: statement(
        'head',
        `SELECT transaction_id, global_position FROM ${s}.events WHERE ${finalTransactions}
         ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      ),
      // Many one-event streams in one statement: a stream that exists already is left alone (with its
      // event), which makes a repeated call a no-op.
      startStreams: statement(
        'start_streams',
        `WITH e AS (
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::text[], $7::text[], $8::text[])
             WITH ORDINALITY AS e(stream_id, event_id, type, schema_version, data, correlation_id, causation_id, traceparent, ord)
         ), s AS (
           INSERT INTO ${s}.streams (stream_id, version) SELECT stream_id, 1 FROM e ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id
         )
         INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, schema_version, data, correlation_id, causation_id, traceparent)
         SELECT e.stream_id, 1, e.event_id, e.type, e.schema_version, e.data, e.correlation_id, e.causation_id, e.traceparent
         FROM e JOIN s ON s.stream_id = e.stream_id ORDER BY e.ord
         RETURNING event_id`,
      ),
      // Appends to many streams in one statement, each with its own expected version (EXPECTED_CODE);
      // the streams whose check fails insert nothing and are sorted out one by one afterwards.
      appendMany: statement(
        'append_many',
        `WITH r AS (
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(stream_id, expected, n)
         ), created AS (
           INSERT INTO ${s}.streams (stream_id, version) SELECT stream_id, n FROM r WHERE expected = 0
           ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id, version
         ), upserted AS (
           INSERT INTO ${s}.streams AS st (stream_id, version) SELECT stream_id, n FROM r WHERE expected = -1
           ON CONFLICT (stream_id) DO UPDATE SET version = st.version + EXCLUDED.version RETURNING stream_id, version
         ), updated AS (
           UPDATE ${s}.streams st SET version = st.version + r.n FROM r
           WHERE st.stream_id = r.stream_id AND (r.expected = -2 OR (r.expected > 0 AND st.version = r.expected))
           RETURNING st.stream_id, st.version
         ), ok AS (
           SELECT * FROM created UNION ALL SELECT * FROM upserted UNION ALL SELECT * FROM updated
         )
         INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, schema_version, data, correlation_id, causation_id, traceparent)
         SELECT e.stream_id, ok.version - r.n + e.ord, e.event_id, e.type, e.schema_version, e.data, e.correlation_id, e.causation_id, e.traceparent
         FROM unnest($4::text[], $5::int[], $6::uuid[], $7::text[], $8::int[], $9::jsonb[], $10::text[], $11::text[], $12::text[])
           WITH ORDINALITY AS e(stream_id, ord, event_id, type, schema_version, data, correlation_id, causation_id, traceparent, i)
         JOIN ok ON ok.stream_id = e.stream_id JOIN r ON r.stream_id = e.stream_id
         ORDER BY e.i
         RETURNING stream_id, event_id, stream_position, global_position`,
      ),
      countAfter: statement(
        'count_after',
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM ${s}.events
           WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) AND ${finalTransactions}
           LIMIT ${COUNT_CAP}
         ) c`,
      ),
    };
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    if (!this.groupCommit) {
      const appended = this.appendWith(this.pool, streamId, events, options);
      return this.onAppended ? appended.then((result) => (this.notifyAppended(), result)) : appended;
    }
    const expected = options.expectedVersion ?? 'any';
    try {
      assertAppendable(this.catalog, streamId, events);
      appendKind(expected);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expected, resolve, reject });
      this.flush();
    });
  }

  /** Sends what is queued while a statement slot is free: no wait is added when nothing else is in flight. */
  private flush(): void {
    const { maxInFlight, maxBatch } = this.groupCommit!;
    while (this.inFlight < maxInFlight && this.queue.length > 0) {
      const batch: PendingAppend[] = [];
      const waiting: PendingAppend[] = [];
      for (const pending of this.queue) {
        if (batch.length < maxBatch && !this.busyStreams.has(pending.streamId)) {
          this.busyStreams.add(pending.streamId);
          batch.push(pending);
        } else {
          waiting.push(pending);
        }
      }
      this.queue = waiting;
      if (batch.length === 0) return;
      this.inFlight++;
      void this.appendBatch(batch).finally(() => {
        this.inFlight--;
        for (const pending of batch) this.busyStreams.delete(pending.streamId);
        this.flush();
      });
    }
  }

  private async appendBatch(batch: readonly PendingAppend[]): Promise<void> {
    const one = (p: PendingAppend): Promise<void> =>
      this.appendWith(this.pool, p.streamId, p.events, { expectedVersion: p.expected }).then((result) => {
        if (!result.idempotentReplay) this.notifyAppended();
        p.resolve(result);
      }, p.reject);
    if (batch.length === 1) return one(batch[0]!);
    const streamIds: string[] = [];
    const expectedCodes: number[] = [];
    const counts: number[] = [];
    const eStreams: string[] = [];
    const eOrds: number[] = [];
    const columns = new EventColumns();
    for (const p of batch) {
      const kind = appendKind(p.expected);
      streamIds.push(p.streamId);
      expectedCodes.push(kind === 'exact' ? (p.expected as number) : EXPECTED_CODE[kind]);
      counts.push(p.events.length);
      p.events.forEach((event, i) => {
        eStreams.push(p.streamId);
        eOrds.push(i + 1);
        columns.push(event);
      });
    }
    let rows: (AppendedRow & { stream_id: string })[];
    try {
      ({ rows } = await this.pool.query<AppendedRow & { stream_id: string }>({
        ...this.sql.appendMany,
        values: [streamIds, expectedCodes, counts, eStreams, eOrds, ...columns.values()],
        types: int8AsNumber,
      }));
    } catch {
      // One bad apple (an event id stored already, a deadlock with another process) fails the whole
      // statement: each append then goes on its own and meets its own outcome.
      await Promise.all(batch.map(one));
      return;
    }
    if (rows.length > 0) this.notifyAppended();
    const byStream = new Map<string, AppendedRow[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream_id);
      if (list) list.push(row);
      else byStream.set(row.stream_id, [row]);
    }
    await Promise.all(
      batch.map(async (p) => {
        const appended = byStream.get(p.streamId);
        if (!appended) {
          // Its version check failed: a conflict, or the same events stored before (a replay).
          return this.resolveConflict(this.pool, p.streamId, p.events.map((e) => e.eventId), p.expected, false).then(p.resolve, p.reject);
        }
        appended.sort((a, b) => a.stream_position - b.stream_position);
        p.resolve({
          nextExpectedVersion: appended[appended.length - 1]!.stream_position,
          idempotentReplay: false,
          events: appended.map((row) => ({ eventId: row.event_id, streamPosition: row.stream_position, globalPosition: row.global_position })),
        });
      }),
    );
  }

  /**
   * Appends through `db`: a checked-out client runs the append inside whatever transaction it has
   * open, so the events commit (and become readable) together with the caller's other writes.
   */
  async appendWith(db: Queryable, streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    assertAppendable(this.catalog, streamId, events);
    const expected = options.expectedVersion ?? 'any';
    const kind = appendKind(expected);
    const columns = EventColumns.of(events);
    const ids = columns.ids;
    const values: unknown[] = [streamId, events.length, ...columns.values()];
    if (kind === 'exact') values.push(expected);

    let rows: AppendedRow[];
    try {
      ({ rows } = await db.query<AppendedRow>({ ...this.append[kind], values, types: int8AsNumber }));
    } catch (error) {
      // The failed statement aborted any transaction `db` is in, so the lookup goes through the pool;
      // the conflicting event is committed (a unique check waits for its transaction to end).
      if (isEventIdViolation(error)) return this.resolveConflict(this.pool, streamId, ids, expected, true);
      throw error;
    }
    if (rows.length === 0) return this.resolveConflict(db, streamId, ids, expected, false);
    if (rows.length > 1) rows.sort((a, b) => a.stream_position - b.stream_position);
    return {
      nextExpectedVersion: rows[rows.length - 1]!.stream_position,
      idempotentReplay: false,
      events: rows.map((row) => ({ eventId: row.event_id, streamPosition: row.stream_position, globalPosition: row.global_position })),
    };
  }

  /**
   * Starts many streams with one event each, in one statement through `db` (so inside the caller's
   * transaction when it is a client): the batch form of an append with `no_stream` for records that
   * are born with their only event, such as a delivery's outcome. Streams that exist already are
   * skipped, not a conflict; returns the ids of the events written.
   */
  async startStreams(db: Queryable, streams: readonly { readonly streamId: string; readonly event: EventToAppend }[]): Promise<string[]> {
    const n = streams.length;
    if (n === 0) return [];
    const streamIds = new Array<string>(n);
    const columns = new EventColumns();
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const { streamId, event } = streams[i]!;
      assertAppendable(this.catalog, streamId, [event]);
      if (seen.has(streamId)) throw new RangeError(`stream "${streamId}" appears twice in one startStreams call`);
      seen.add(streamId);
      streamIds[i] = streamId;
      columns.push(event);
    }
    const { rows } = await db.query<{ event_id: string }>({ ...this.sql.startStreams, values: [streamIds, ...columns.values()] });
    return rows.map((row) => row.event_id);
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

  async headPosition(): Promise<string | null> {
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: number }>({ ...this.sql.head, types: int8AsNumber });
    return rows.length === 0 ? null : `${rows[0]!.transaction_id}:${rows[0]!.global_position}`;
  }

  /** Counts at most 1,000,000: beyond that the exact lag does not matter and counting it is slow. */
  async countAfter(after: string | null): Promise<number> {
    const [transactionId, globalPosition] = parseLogPosition(after);
    const { rows } = await this.pool.query<{ n: number }>({ ...this.sql.countAfter, values: [transactionId, globalPosition], types: int8AsNumber });
    return rows[0]!.n;
  }

  /** Nothing to release: the pool belongs to the caller, and subscriptions end with their signals. */
  async close(): Promise<void> {}

  /**
   * The append wrote nothing: either the expected version did not hold, or (some of) the event ids
   * are stored already. Which one decides between an idempotent replay and a conflict.
   */
  private async resolveConflict(db: Queryable, streamId: string, ids: readonly string[], expected: ExpectedVersion, uniqueViolation: boolean): Promise<AppendResult> {
    const { rows } = await db.query<StoredIdRow>({ ...this.sql.conflict, values: [ids, streamId], types: int8AsNumber });
    const version = rows[0]!.version;
    if (rows[0]!.event_id === null) {
      // A unique violation with none of the ids stored comes from an id repeated within the batch.
      if (uniqueViolation) throw new DuplicateEventIdConflict(streamId, ids.filter((id, i) => ids.indexOf(id) !== i));
      throw new ConcurrencyConflict(streamId, String(expected), version === 0 ? null : version);
    }
    if (rows.length === ids.length && rows.every((row) => row.stream_id === streamId)) {
      return {
        nextExpectedVersion: version,
        idempotentReplay: true,
        events: rows.map((row) => ({ eventId: row.event_id!, streamPosition: row.stream_position!, globalPosition: row.global_position! })),
      };
    }
    throw new DuplicateEventIdConflict(streamId, rows.map((row) => row.event_id!));
  }
}

function appendKind(expected: ExpectedVersion): AppendKind {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (expected === 0) return 'no_stream';
  if (Number.isSafeInteger(expected) && expected > 0) return 'exact';
  throw new RangeError(`invalid expected version ${String(expected)}`);
}

function toRecordedEvent(row: unknown[]): RecordedEvent {
  return {
    eventId: row[EVENT_ID] as string,
    type: row[TYPE] as string,
    schemaVersion: row[SCHEMA_VERSION] as number,
    streamId: row[STREAM_ID] as string,
    streamPosition: row[STREAM_POSITION] as number,
    globalPosition: row[GLOBAL_POSITION] as number,
    occurredAt: row[OCCURRED_AT] as string,
    correlationId: row[CORRELATION_ID] as string,
    causationId: row[CAUSATION_ID] as string | null,
    traceparent: row[TRACEPARENT] as string | null,
    data: row[DATA],
    logPosition: `${row[TRANSACTION_ID] as string}:${row[GLOBAL_POSITION] as number}`,
  };
}

/** `"<xid8>:<global position>"` → its two parts as text; xid8 has no cast from a number, only from text. */
function parseLogPosition(position: string | null): readonly [string, string] {
  if (position === null) return START_OF_LOG;
  const match = LOG_POSITION.exec(position);
  if (!match) throw new RangeError(`not a PostgreSQL log position: "${position}"`);
  return [match[1]!, match[2]!];
}

function isEventIdViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === EVENT_ID_UNIQUE;
}

/**
 * Prepared statements live per connection under their name, and the pool may serve stores of several
 * schemas, so the name carries the schema. The server keeps only 63 bytes of a name, hence the hash
 * for long schema names.
 */
function statementName(schema: string, purpose: string): string {
  const name = `${purpose}:${schema}`;
  return name.length <= 63 ? name : `${purpose}:${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}
