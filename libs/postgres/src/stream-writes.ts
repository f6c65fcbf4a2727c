import type { EventCatalog } from '@stockflow/contracts';
import {
  assertAppendable,
  ConcurrencyConflict,
  DuplicateEventIdConflict,
  type AppendResult,
  type EventToAppend,
  type ExpectedVersion,
  type StreamStart,
} from '@stockflow/event-sourcing';
import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { EventColumns } from './event-columns.js';
import type { AppendKind, EventStoreStatements } from './event-store-statements.js';
import { int8AsNumber } from './pool.js';

/** The pool, or a checked-out client, possibly inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

export interface AppendedRow {
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

const EVENT_ID_UNIQUE = 'events_event_id_key';

/**
 * The event store's writes through a given connection: the pool (the append is one statement, atomic
 * on its own) or a client inside a transaction (the writes commit with the transaction's others).
 */
export class StreamWrites {
  constructor(
    private readonly pool: Pool,
    private readonly catalog: EventCatalog,
    private readonly sql: EventStoreStatements,
  ) {}

  async append(db: Queryable, streamId: string, events: readonly EventToAppend[], expected: ExpectedVersion): Promise<AppendResult> {
    assertAppendable(this.catalog, streamId, events);
    const kind = appendKind(expected);
    const columns = EventColumns.of(events);
    const ids = columns.ids;
    const values: unknown[] = [streamId, events.length, ...columns.values()];
    if (kind === 'exact') values.push(expected);

    let rows: AppendedRow[];
    try {
      ({ rows } = await db.query<AppendedRow>({ ...this.sql.append[kind], values, types: int8AsNumber }));
    } catch (error) {
      // The failed statement aborted any transaction `db` is in, so the lookup goes through the pool;
      // the conflicting event is committed (a unique check waits for its transaction to end).
      if (isEventIdViolation(error)) return this.resolveConflict(this.pool, streamId, ids, expected, true);
      throw error;
    }
    if (rows.length === 0) return this.resolveConflict(db, streamId, ids, expected, false);
    if (rows.length > 1) rows.sort((a, b) => a.stream_position - b.stream_position);
    return appended(rows);
  }

  /** Many one-event streams in one statement; streams that exist already are skipped. Returns the ids written. */
  async startStreams(db: Queryable, streams: readonly StreamStart[]): Promise<string[]> {
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

  /**
   * The append wrote nothing: either the expected version did not hold, or (some of) the event ids
   * are stored already. Which one decides between an idempotent replay and a conflict.
   */
  async resolveConflict(db: Queryable, streamId: string, ids: readonly string[], expected: ExpectedVersion, uniqueViolation: boolean): Promise<AppendResult> {
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

/** The result of an append whose rows are sorted by stream position. */
export function appended(rows: readonly AppendedRow[]): AppendResult {
  return {
    nextExpectedVersion: rows[rows.length - 1]!.stream_position,
    idempotentReplay: false,
    events: rows.map((row) => ({ eventId: row.event_id, streamPosition: row.stream_position, globalPosition: row.global_position })),
  };
}

export function appendKind(expected: ExpectedVersion): AppendKind {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (expected === 0) return 'no_stream';
  if (Number.isSafeInteger(expected) && expected > 0) return 'exact';
  throw new RangeError(`invalid expected version ${String(expected)}`);
}

function isEventIdViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505' && (error as { constraint?: string }).constraint === EVENT_ID_UNIQUE;
}
