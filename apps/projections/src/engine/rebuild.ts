import type { JsMsg } from '@nats-io/jetstream';
import { contextStreamSpec, deadLetterSubjectPrefix, decodeReceivedEvent, ensureStream, publishDeadLetter, undecodableReason } from '@stockflow/messaging';
import type { Pool, PoolClient } from 'pg';
import { foldEvents, type ProjectedEvent } from '../domain/index.js';
import { ensureCheckpoint, inProjectionTransaction } from './checkpoints.js';
import { BATCH_SIZE, durableName, sourceOf, type ProjectorDeps } from './live-projector.js';
import { createTableSql, upsertRows, type AnyReadModelTable } from './read-model-tables.js';

/** During a replay, changed rows are written every this many events (or rows), each row once. */
const FLUSH_EVERY_EVENTS = 20_000;
const FLUSH_EVERY_ROWS = 5_000;
/** Messages the replay's ordered consumer asks for ahead: fewer pull requests than the live batch size. */
const REPLAY_PREFETCH = 10_000;

export interface RebuildResult {
  readonly projection: string;
  readonly stream: string;
  /** Messages replayed (events of every type on the projection's subjects). */
  readonly events: number;
  readonly rows: number;
  /** Last stream sequence in the new tables: the checkpoint after the swap. */
  readonly checkpoint: number;
  readonly replayMs: number;
  readonly eventsPerSecond: number;
}

type RebuildDeps = Pick<ProjectorDeps, 'js' | 'jsm' | 'pool' | 'schema' | 'scheme' | 'catalog'>;

/**
 * Replays a projection's source stream from sequence 1 into `<table>_next`, catches up to the live
 * checkpoint while holding the projection's lock (live batches wait; reads go on), then, in that one
 * transaction, swaps the tables by renaming and moves the checkpoint. The live tables keep answering
 * all along. Messages are fetched 1000 at a time; rows live in memory during the replay (the new
 * table has no other writer) and the changed ones are written every 20,000 events by multi-row
 * upserts, so no event costs a round trip.
 */
export async function rebuildProjection(deps: RebuildDeps, spec: AnyReadModelTable): Promise<RebuildResult> {
  const { js, pool, schema } = deps;
  const name = spec.projection.name;
  const { stream, filter } = sourceOf(spec, deps.scheme);
  const next = `${spec.table}_next`;
  // The source stream may not exist yet (its relay never ran): an empty replay, not an error.
  await ensureStream(deps.jsm, contextStreamSpec(spec.projection.sourceContext, deps.scheme));
  await ensureCheckpoint(pool, schema, name, stream);
  await pool.query(`DROP TABLE IF EXISTS ${schema}.${next}`);
  await pool.query(createTableSql(schema, spec, next));

  const started = performance.now();
  const cache = new Map<string, unknown>();
  const consumer = await js.consumers.get(stream, { filter_subjects: filter });
  const initial = await consumer.info();
  let remaining = initial.num_pending;
  const messages = await consumer.consume({ max_messages: REPLAY_PREFETCH });
  const iterator = messages[Symbol.asyncIterator]();
  let applied = 0;
  let lastSeq = 0;
  const dirty = new Set<string>();
  let sinceFlush = 0;

  /** Reads up to BATCH_SIZE messages (fewer when the stream runs out) and applies them to `_next`. */
  const replayBatch = async (client: Pick<PoolClient, 'query'> | Pool, max: number): Promise<void> => {
    const batch: JsMsg[] = [];
    while (batch.length < max) {
      const { value, done } = await iterator.next();
      if (done) break;
      batch.push(value);
      lastSeq = value.seq;
      if (value.info.pending === 0) break;
    }
    remaining = batch.length ? batch[batch.length - 1]!.info.pending : 0;
    const events: ProjectedEvent[] = [];
    for (const msg of batch) {
      try {
        events.push(decodeReceivedEvent(deps.catalog, msg));
      } catch (error) {
        // The live consumer dead-letters it as well; the message id makes the copies one.
        await publishDeadLetter(js, deadLetterSubjectPrefix(deps.scheme), durableName(name), msg, undecodableReason(error), error);
      }
    }
    for (const key of foldEvents(spec.projection, cache, events)) dirty.add(key);
    applied += batch.length;
    sinceFlush += batch.length;
    if (sinceFlush >= FLUSH_EVERY_EVENTS || dirty.size >= FLUSH_EVERY_ROWS) await flush(client);
  };

  /** Writes the rows changed since the last flush, each once, in one multi-row upsert per 5000 rows. */
  const flush = async (client: Pick<PoolClient, 'query'> | Pool): Promise<void> => {
    const keys = [...dirty];
    dirty.clear();
    sinceFlush = 0;
    for (let i = 0; i < keys.length; i += FLUSH_EVERY_ROWS) {
      await upsertRows(client, schema, spec, keys.slice(i, i + FLUSH_EVERY_ROWS).map((k) => cache.get(k)), next);
    }
  };

  try {
    while (remaining > 0) await replayBatch(pool, BATCH_SIZE);
    await flush(pool);
    const replayMs = performance.now() - started;
    const checkpoint = await inProjectionTransaction(pool, schema, name, async (client, live) => {
      // Live batches are blocked now; take the new tables at least as far as the live ones.
      while (lastSeq < live) await replayBatch(client, BATCH_SIZE);
      await flush(client);
      await client.query(`ALTER TABLE ${schema}.${spec.table} RENAME TO ${spec.table}_old`);
      await client.query(`ALTER TABLE ${schema}.${next} RENAME TO ${spec.table}`);
      await client.query(`DROP TABLE ${schema}.${spec.table}_old`);
      const moved = Math.max(lastSeq, live);
      // The new tables hold exactly the replayed messages: the applied count restarts from them.
      await client.query(`UPDATE ${schema}.projection_checkpoints SET sequence = $2, events_applied = $3, updated_at = now() WHERE projection = $1`, [name, moved, applied]);
      return moved;
    });
    const seconds = replayMs / 1000;
    return { projection: name, stream, events: applied, rows: cache.size, checkpoint, replayMs: Math.round(replayMs), eventsPerSecond: seconds > 0 ? Math.round(applied / seconds) : 0 };
  } finally {
    // close() settles only once the iterator has drained; end the iterator too, and never wait long.
    const closing = messages.close().catch(() => undefined);
    await iterator.return?.().catch(() => undefined);
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 250).unref())]);
  }
}
