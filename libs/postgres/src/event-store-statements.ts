import type { RecordedEvent } from '@stockflow/event-sourcing';
import { createHash } from 'node:crypto';
import { quoteSchema } from './migrator.js';

/** A prepared statement: PostgreSQL plans it once per connection under its name. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

export type AppendKind = 'any' | 'no_stream' | 'stream_exists' | 'exact';

/** The SQL of one schema's event store; every statement is prepared under a name that carries the schema. */
export interface EventStoreStatements {
  /** One append to one stream, a statement per kind of expected version ($10: the exact version). */
  readonly append: Record<AppendKind, NamedStatement>;
  /** Appends to many streams, each with its own expected version (see `EXPECTED_CODE`). */
  readonly appendMany: NamedStatement;
  /** Many one-event streams; streams that exist are skipped. */
  readonly startStreams: NamedStatement;
  /** Why an append wrote nothing: the stored copies of its event ids and the stream's version. */
  readonly conflict: NamedStatement;
  readonly readStream: NamedStatement;
  readonly readAll: NamedStatement;
  readonly head: NamedStatement;
  readonly countAfter: NamedStatement;
}

/** The expected version as `appendMany` takes it: n > 0 exact, 0 new, -1 any, -2 existing. */
export const EXPECTED_CODE: Record<Exclude<AppendKind, 'exact'>, number> = { no_stream: 0, any: -1, stream_exists: -2 };

/** `countAfter` counts at most this many: beyond that the exact lag does not matter and counting it is slow. */
export const COUNT_CAP = 1_000_000;

// Event reads use array rows: no per-row object keyed by column name before the envelope is built.
const EVENT_COLUMNS = `global_position, transaction_id, stream_id, stream_position, event_id, type, schema_version, data,
  correlation_id, causation_id, traceparent, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const GLOBAL_POSITION = 0;
const TRANSACTION_ID = 1;
const STREAM_ID = 2;
const STREAM_POSITION = 3;
/** Null in the one row `readStream` returns for a stream without events. */
export const EVENT_ID = 4;
const TYPE = 5;
const SCHEMA_VERSION = 6;
const DATA = 7;
const CORRELATION_ID = 8;
const CAUSATION_ID = 9;
const TRACEPARENT = 10;
const OCCURRED_AT = 11;
/** readStream appends the stream's version after the event columns. */
export const STREAM_VERSION = 12;

export function eventStoreStatements(schema: string): EventStoreStatements {
  const s = quoteSchema(schema);
  const statement = (purpose: string, text: string): NamedStatement => ({ name: statementName(schema, purpose), text });
  const insertEvents = `
      INSERT INTO ${s}.events (stream_id, stream_position, event_id, type, schema_version, data, correlation_id, causation_id, traceparent)
      SELECT $1, s.version - $2::bigint + e.ord, e.event_id, e.type, e.schema_version, e.data, e.correlation_id, e.causation_id, e.traceparent
      FROM s, unnest($3::uuid[], $4::text[], $5::int[], $6::jsonb[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS e(event_id, type, schema_version, data, correlation_id, causation_id, traceparent, ord)
      RETURNING event_id, stream_position, global_position`;
  // A stream row that always exists in the result keeps the version and the events in one snapshot.
  const streamVersion = (param: string): string => `(SELECT coalesce((SELECT version FROM ${s}.streams WHERE stream_id = ${param}), 0) AS version) v`;
  const finalTransactions = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
  return {
    append: {
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
    },
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

/** An array row of `EVENT_COLUMNS` as the port's envelope. */
export function toRecordedEvent(row: unknown[]): RecordedEvent {
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

const LOG_POSITION = /^(\d{1,20}):(\d{1,19})$/;
const START_OF_LOG = ['0', '0'] as const;

/** `"<xid8>:<global position>"` → its two parts as text; xid8 has no cast from a number, only from text. */
export function parseLogPosition(position: string | null): readonly [string, string] {
  if (position === null) return START_OF_LOG;
  const match = LOG_POSITION.exec(position);
  if (!match) throw new RangeError(`not a PostgreSQL log position: "${position}"`);
  return [match[1]!, match[2]!];
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
