import type { EventCatalog } from '@stockflow/contracts';
import {
  assertAppendable,
  ConcurrencyConflict,
  DuplicateEventIdConflict,
  pollSubscription,
  sleep,
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

export interface PostgresEventStoreOptions {
  /** Owned by the caller: the store never ends it. */
  readonly pool: Pool;
  readonly schema: string;
  readonly catalog: EventCatalog;
  /** How long a caught-up subscription sleeps before polling again; 20 ms by default. */
  readonly pollIntervalMs?: number;
}

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
  private readonly append: Record<AppendKind, { name: string; text: string }>;
  private readonly sql: Record<'conflict' | 'readStream' | 'readAll' | 'head' | 'countAfter' | 'startStreams', { name: string; text: string }>;

  static async create(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await migrate(options.pool, options.schema, eventStoreMigrations);
    return new PostgresEventStore(options);
  }

  private constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.catalog = options.catalog;
    this.pollIntervalMs = options.pollIntervalMs ?? 20;
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
    return this.appendWith(this.pool, streamId, events, options);
  }

  /**
   * Appends through `db`: a checked-out client runs the append inside whatever transaction it has
   * open, so the events commit (and become readable) together with the caller's other writes.
   */
  async appendWith(db: Queryable, streamId: string, events: readonly EventToAppend[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    assertAppendable(this.catalog, streamId, events);
    const expected = options.expectedVersion ?? 'any';
    const kind = appendKind(expected);
    const n = events.length;
    const ids = new Array<string>(n);
    const types = new Array<string>(n);
    const versions = new Array<number>(n);
    const data = new Array<string>(n);
    const correlationIds = new Array<string>(n);
    const causationIds = new Array<string | null>(n);
    const traceparents = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const event = events[i]!;
      ids[i] = event.eventId;
      types[i] = event.type;
      versions[i] = event.schemaVersion;
      data[i] = JSON.stringify(event.data);
      correlationIds[i] = event.correlationId;
      causationIds[i] = event.causationId;
      traceparents[i] = event.traceparent;
    }
    const values: unknown[] = [streamId, n, ids, types, versions, data, correlationIds, causationIds, traceparents];
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
    const ids = new Array<string>(n);
    const types = new Array<string>(n);
    const versions = new Array<number>(n);
    const data = new Array<string>(n);
    const correlationIds = new Array<string>(n);
    const causationIds = new Array<string | null>(n);
    const traceparents = new Array<string | null>(n);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const { streamId, event } = streams[i]!;
      assertAppendable(this.catalog, streamId, [event]);
      if (seen.has(streamId)) throw new RangeError(`stream "${streamId}" appears twice in one startStreams call`);
      seen.add(streamId);
      streamIds[i] = streamId;
      ids[i] = event.eventId;
      types[i] = event.type;
      versions[i] = event.schemaVersion;
      data[i] = JSON.stringify(event.data);
      correlationIds[i] = event.correlationId;
      causationIds[i] = event.causationId;
      traceparents[i] = event.traceparent;
    }
    const { rows } = await db.query<{ event_id: string }>({
      ...this.sql.startStreams,
      values: [streamIds, ids, types, versions, data, correlationIds, causationIds, traceparents],
    });
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
    return pollSubscription({ readAll: (o) => this.readAll(o), waitForAppend: (_timeoutMs, signal) => sleep(this.pollIntervalMs, signal) }, options);
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
