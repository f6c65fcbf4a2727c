import type { AppendResult, EventToAppend, ExpectedVersion } from '@stockflow/event-sourcing';
import type { Pool } from 'pg';
import { EventColumns } from './event-columns.js';
import { EXPECTED_CODE, type EventStoreStatements } from './event-store-statements.js';
import { int8AsNumber } from './pool.js';
import { appended, appendKind, type AppendedRow, type StreamWrites } from './stream-writes.js';

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

/**
 * Group commit (ADR 0009): appends that arrive while earlier ones are in flight go to PostgreSQL
 * together, as one statement (one round trip, one commit) with each stream's own expected version;
 * a stream whose check fails fails alone. No wait is added when nothing else is in flight.
 */
export class GroupCommit {
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private queue: PendingAppend[] = [];
  private inFlight = 0;
  /** Streams with an append in flight: a second append to one waits, so batches never lock a stream row twice. */
  private readonly busyStreams = new Set<string>();

  constructor(
    private readonly pool: Pool,
    private readonly sql: EventStoreStatements,
    private readonly writes: StreamWrites,
    /** Called after a statement has committed events. */
    private readonly committed: () => void,
    options: GroupCommitOptions,
  ) {
    this.maxInFlight = options.maxInFlight ?? 4;
    this.maxBatch = options.maxBatch ?? 256;
  }

  /** Queues an append that the caller has validated already. */
  append(streamId: string, events: readonly EventToAppend[], expected: ExpectedVersion): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expected, resolve, reject });
      this.flush();
    });
  }

  /** Sends what is queued while a statement slot is free. */
  private flush(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: PendingAppend[] = [];
      const waiting: PendingAppend[] = [];
      for (const pending of this.queue) {
        if (batch.length < this.maxBatch && !this.busyStreams.has(pending.streamId)) {
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
      this.writes.append(this.pool, p.streamId, p.events, p.expected).then((result) => {
        if (!result.idempotentReplay) this.committed();
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
    if (rows.length > 0) this.committed();
    const byStream = new Map<string, AppendedRow[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream_id);
      if (list) list.push(row);
      else byStream.set(row.stream_id, [row]);
    }
    await Promise.all(
      batch.map(async (p) => {
        const rowsOfStream = byStream.get(p.streamId);
        if (!rowsOfStream) {
          // Its version check failed: a conflict, or the same events stored before (a replay).
          return this.writes.resolveConflict(this.pool, p.streamId, p.events.map((e) => e.eventId), p.expected, false).then(p.resolve, p.reject);
        }
        rowsOfStream.sort((a, b) => a.stream_position - b.stream_position);
        p.resolve(appended(rowsOfStream));
      }),
    );
  }
}
