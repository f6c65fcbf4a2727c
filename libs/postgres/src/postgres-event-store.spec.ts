import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DuplicateEventIdConflict, type EventStoreTransaction, type RecordedEvent } from '@stockflow/event-sourcing';
import { contractTestCatalog, counterEvent, describeEventStoreContract, type EventStoreContractSubject } from '@stockflow/event-sourcing/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createPool } from './pool.js';
import type { PoolClient } from 'pg';
import type { GroupCommitOptions } from './group-commit.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { quoteSchema } from './migrator.js';
import { dropSchema, settleLog, uniqueSchemaName } from './test-schema.js';

/** An append in a transaction that stays open until `commit` (or `abort`) is called. */
async function holdOpen(store: PostgresEventStore, work: (tx: EventStoreTransaction<PoolClient>) => Promise<void>): Promise<{ commit(): Promise<void>; abort(): Promise<void> }> {
  let release!: (commit: boolean) => void;
  const released = new Promise<boolean>((resolve) => (release = resolve));
  let ready!: () => void;
  let failed!: (error: unknown) => void;
  const begun = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
  const ended = store
    .withTransaction(async (tx) => {
      await work(tx);
      ready();
      if (!(await released)) throw new Error('rolled back by the test');
    })
    .catch((error: unknown) => failed(error));
  await begun;
  return {
    commit: async () => (release(true), await ended),
    abort: async () => (release(false), await ended),
  };
}

const contractSubject = (groupCommit?: GroupCommitOptions) => async (): Promise<EventStoreContractSubject<PoolClient>> => {
  const pool = createPool({ max: 12, applicationName: 'postgres-event-store.spec' });
  const schema = uniqueSchemaName('t');
  const store = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, ...(groupCommit ? { groupCommit } : {}) });
  const own = `${quoteSchema(schema)}.own_statements`;
  await pool.query(`CREATE TABLE ${own} (key text PRIMARY KEY)`);
  return {
    store,
    ownStatement: {
      write: async (tx, key) => void (await tx.connection.query(`INSERT INTO ${own} (key) VALUES ($1)`, [key])),
      committed: async (key) => (await pool.query(`SELECT 1 FROM ${own} WHERE key = $1`, [key])).rowCount === 1,
    },
    holdAppendOpen: (streamId, events) =>
      holdOpen(store, async (tx) => {
        await tx.appendToStream(streamId, events);
        // The insert has given the transaction its xid, so every later append gets a larger one and
        // stays invisible to readers until this one ends: the xmin guard is what the contract tests.
        const { rows } = await tx.connection.query<{ xid: string | null }>('SELECT pg_current_xact_id_if_assigned()::text AS xid');
        if (rows[0]!.xid === null) throw new Error('held append has no transaction id');
      }),
    settle: () => settleLog(pool, schema),
    teardown: async () => {
      await store.close();
      await dropSchema(pool, schema);
      await pool.end();
    },
  };
};

describeEventStoreContract('postgresql', contractSubject());
describeEventStoreContract('postgresql with group commit', contractSubject({ maxInFlight: 2 }));

describe('PostgresEventStore on PostgreSQL', () => {
  let pool: Pool;
  let schema: string;
  let store: PostgresEventStore;

  beforeAll(async () => {
    pool = createPool({ max: 8, applicationName: 'postgres-event-store.spec' });
    schema = uniqueSchemaName('t');
    store = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog });
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('reads past the gap a rolled-back append leaves in global_position', async () => {
    await settleLog(pool, schema);
    const start = await store.headPosition();
    const before = await store.appendToStream(`counter-${randomUUID()}`, [counterEvent(1)]);
    await expect(
      store.withTransaction(async (tx) => {
        await tx.appendToStream(`counter-${randomUUID()}`, [counterEvent(2), counterEvent(3)]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const after = await store.appendToStream(`counter-${randomUUID()}`, [counterEvent(4)]);
    expect(after.events[0]!.globalPosition - before.events[0]!.globalPosition).toBe(3);

    await settleLog(pool, schema);
    const read = await store.readAll({ after: start, maxCount: 10 });
    expect(read.map((e) => e.data)).toEqual([{ n: 1 }, { n: 4 }]);
    expect(await store.readAll({ after: read[0]!.logPosition, maxCount: 10 })).toEqual([read[1]]);
    expect(await store.countAfter(start)).toBe(2);
  });

  it('starts many one-event streams in one statement, inside the caller\'s transaction, skipping streams that exist', async () => {
    await settleLog(pool, schema);
    const start = await store.headPosition();
    const existing = `counter-${randomUUID()}`;
    await store.appendToStream(existing, [counterEvent(0)]);
    const fresh = [`counter-${randomUUID()}`, `counter-${randomUUID()}`, `counter-${randomUUID()}`];
    const batch = [...fresh, existing].map((streamId, i) => ({ streamId, event: counterEvent(i + 1) }));

    await expect(
      store.withTransaction(async (tx) => {
        expect(await tx.startStreams(batch)).toEqual(batch.slice(0, 3).map((b) => b.event.eventId));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await store.readStream(fresh[0]!)).currentVersion).toBe(0);
    await store.withTransaction((tx) => tx.startStreams(batch));
    for (const [i, streamId] of fresh.entries()) {
      const { events, currentVersion } = await store.readStream(streamId);
      expect(currentVersion).toBe(1);
      expect(events.map((e) => e.data)).toEqual([{ n: i + 1 }]);
    }
    expect((await store.readStream(existing)).events.map((e) => e.data)).toEqual([{ n: 0 }]);
    // Repeating the batch writes nothing; the log holds each event once, in batch order.
    expect(await store.withTransaction((tx) => tx.startStreams(batch))).toEqual([]);
    await settleLog(pool, schema);
    const log = await store.readAll({ after: start, maxCount: 10 });
    expect(log.map((e) => e.data)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    await expect(store.withTransaction((tx) => tx.startStreams([batch[0]!, batch[0]!]))).rejects.toThrow(/appears twice/);
  });

  it('with group commit, sends concurrent appends as one statement, each stream meeting its own outcome', async () => {
    const grouped = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, groupCommit: { maxInFlight: 1 } });
    const existing = `counter-${randomUUID()}`;
    await store.appendToStream(existing, [counterEvent(1)]);
    const replayed = `counter-${randomUUID()}`;
    const replayEvents = [counterEvent(1)];
    await store.appendToStream(replayed, replayEvents);
    const fresh = Array.from({ length: 20 }, () => `counter-${randomUUID()}`);
    const query = jest.spyOn(pool, 'query');
    try {
      // The first append goes at once; the others queue behind it and leave together.
      const outcomes = await Promise.allSettled([
        grouped.appendToStream(`counter-${randomUUID()}`, [counterEvent(0)]),
        ...fresh.map((id, i) => grouped.appendToStream(id, [counterEvent(i), counterEvent(i + 100)], { expectedVersion: 'no_stream' })),
        grouped.appendToStream(existing, [counterEvent(2)], { expectedVersion: 1 }),
        grouped.appendToStream(existing, [counterEvent(3)], { expectedVersion: 1 }), // same stream: waits for the next statement, then conflicts
        grouped.appendToStream(`counter-${randomUUID()}`, [counterEvent(9)], { expectedVersion: 'stream_exists' }),
        grouped.appendToStream(replayed, replayEvents, { expectedVersion: 'no_stream' }),
      ]);
      const statements = query.mock.calls.filter(([config]) => (config as { name?: string }).name?.includes('append_many')).length;
      expect(statements).toBeLessThanOrEqual(2);
      expect(outcomes[0]!.status).toBe('fulfilled');
      for (const [i, id] of fresh.entries()) {
        const outcome = outcomes[i + 1] as PromiseFulfilledResult<{ nextExpectedVersion: number }>;
        expect(outcome.value.nextExpectedVersion).toBe(2);
        expect((await store.readStream(id)).events.map((e) => e.data)).toEqual([{ n: i }, { n: i + 100 }]);
      }
      const [first, second, missing, replay] = outcomes.slice(fresh.length + 1);
      expect(first).toMatchObject({ status: 'fulfilled', value: { nextExpectedVersion: 2 } });
      expect(second).toMatchObject({ status: 'rejected', reason: { name: 'ConcurrencyConflict' } });
      expect(missing).toMatchObject({ status: 'rejected', reason: { name: 'ConcurrencyConflict' } });
      expect(replay).toMatchObject({ status: 'fulfilled', value: { idempotentReplay: true, nextExpectedVersion: 1 } });
      expect((await store.readStream(existing)).events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      query.mockRestore();
    }
  });

  it('tells onAppended after each committed append, and wake() ends a subscription\'s poll wait at once', async () => {
    let told = 0;
    const writer = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, onAppended: () => told++ });
    const groupedWriter = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, groupCommit: {}, onAppended: () => told++ });
    // A reader in "another process": polls only every 10 s unless woken.
    const reader = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, pollIntervalMs: 10_000 });
    await settleLog(pool, schema);
    const start = await reader.headPosition();
    const controller = new AbortController();
    const subscription = reader.subscribeToAll({ after: start, signal: controller.signal })[Symbol.asyncIterator]();
    try {
      const first = subscription.next(); // reads nothing yet, then waits its 10 s
      await new Promise((resolve) => setTimeout(resolve, 100));
      const event = counterEvent(7);
      await writer.appendToStream(`counter-${randomUUID()}`, [event]);
      expect(told).toBe(1);
      await Promise.all([0, 1].map((n) => groupedWriter.appendToStream(`counter-${randomUUID()}`, [counterEvent(n)])));
      expect(told).toBeGreaterThanOrEqual(2);
      await settleLog(pool, schema);
      const woken = Date.now();
      reader.wake();
      const { value } = await first;
      expect(Date.now() - woken).toBeLessThan(2_000);
      expect((value as RecordedEvent[]).map((e) => e.eventId)).toContain(event.eventId);
    } finally {
      controller.abort();
      await subscription.return?.();
    }
  });

  it('tells onAppended after a transaction that wrote has committed, not before and not after a rollback', async () => {
    let told = 0;
    const writer = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, onAppended: () => told++ });
    await writer.withTransaction(async (tx) => {
      await tx.appendToStream(`counter-${randomUUID()}`, [counterEvent(1)]);
      await tx.startStreams([{ streamId: `counter-${randomUUID()}`, event: counterEvent(2) }]);
      expect(told).toBe(0);
    });
    expect(told).toBe(1);
    await expect(
      writer.withTransaction(async (tx) => {
        await tx.appendToStream(`counter-${randomUUID()}`, [counterEvent(3)]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await writer.withTransaction(async (tx) => void (await tx.connection.query('SELECT 1')));
    expect(told).toBe(1);
  });

  it('polls at the idle interval once quiet, quickly again after a wake or events read', async () => {
    const writer = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog });
    const reader = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog, pollIntervalMs: 20, idlePollIntervalMs: 60_000 });
    await settleLog(pool, schema);
    const controller = new AbortController();
    const subscription = reader.subscribeToAll({ after: await reader.headPosition(), signal: controller.signal })[Symbol.asyncIterator]();
    try {
      // Nothing happened yet: the subscription sleeps its idle minute, so an append goes unseen...
      const first = subscription.next();
      await new Promise((resolve) => setTimeout(resolve, 200)); // its first read found nothing
      const quiet = counterEvent(1);
      await writer.appendToStream(`counter-${randomUUID()}`, [quiet]);
      const unseen = await Promise.race([first.then(() => 'seen'), new Promise((r) => setTimeout(() => r('unseen'), 1_500))]);
      expect(unseen).toBe('unseen');
      // ...until a wake: then it reads at once and, active, polls every 20 ms without being woken.
      await settleLog(pool, schema);
      reader.wake();
      expect(((await first).value as RecordedEvent[]).map((e) => e.eventId)).toContain(quiet.eventId);
      const busy = counterEvent(2);
      await writer.appendToStream(`counter-${randomUUID()}`, [busy]);
      await settleLog(pool, schema);
      const started = Date.now();
      expect(((await subscription.next()).value as RecordedEvent[]).map((e) => e.eventId)).toContain(busy.eventId);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      controller.abort();
      await subscription.return?.();
    }
  });

  it('stores one copy when two concurrent appends carry the same event ids', async () => {
    for (const expectedVersion of ['any', 'no_stream'] as const) {
      const id = `counter-${randomUUID()}`;
      const events = [counterEvent(1), counterEvent(2)];
      const [a, b] = await Promise.all([
        store.appendToStream(id, events, { expectedVersion }),
        store.appendToStream(id, events, { expectedVersion }),
      ]);
      expect([a.idempotentReplay, b.idempotentReplay].sort()).toEqual([false, true]);
      expect(a.events).toEqual(b.events);
      expect(a.nextExpectedVersion).toBe(2);
      expect(b.nextExpectedVersion).toBe(2);
      const { rows } = await pool.query(`SELECT count(*) AS n FROM ${schema}.events WHERE stream_id = $1`, [id]);
      expect(rows[0].n).toBe(2);
    }
  });

  it('rejects a batch that repeats an event id, or reuses one stored in another stream', async () => {
    const repeated = counterEvent(1);
    await expect(store.appendToStream(`counter-${randomUUID()}`, [repeated, repeated])).rejects.toBeInstanceOf(DuplicateEventIdConflict);
    const stored = counterEvent(2);
    await store.appendToStream(`counter-${randomUUID()}`, [stored]);
    await expect(store.appendToStream(`counter-${randomUUID()}`, [stored])).rejects.toBeInstanceOf(DuplicateEventIdConflict);
    await expect(store.appendToStream(`counter-${randomUUID()}`, [stored, counterEvent(3)], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(
      DuplicateEventIdConflict,
    );
  });

  it('holds readers behind a transaction that has not committed, then delivers it first', async () => {
    await settleLog(pool, schema);
    const start = await store.headPosition();
    const slow = counterEvent(1);
    const held = await holdOpen(store, async (tx) => void (await tx.appendToStream(`counter-${randomUUID()}`, [slow])));
    try {
      await store.appendToStream(`counter-${randomUUID()}`, [counterEvent(2)]);
      expect(await store.readAll({ after: start, maxCount: 10 })).toEqual([]);
      expect(await store.headPosition()).toBe(start);
    } catch (error) {
      await held.abort();
      throw error;
    }
    await held.commit();
    await settleLog(pool, schema);
    const read = await store.readAll({ after: start, maxCount: 10 });
    expect(read.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(read[0]!.eventId).toBe(slow.eventId);
    expect(await store.headPosition()).toBe(read[1]!.logPosition);
  });

  it('keeps the version and the events of a stream read in one snapshot', async () => {
    const id = `counter-${randomUUID()}`;
    await store.appendToStream(id, [1, 2, 3].map((n) => counterEvent(n)));
    const { events, currentVersion } = await store.readStream(id, { fromPosition: 4 });
    expect(events).toEqual([]);
    expect(currentVersion).toBe(3);
    const full = await store.readStream(id);
    expect(full.events.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
    expect(full.events[0]!.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('uses the log-order index to read after a position', async () => {
    const client = await pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM ${schema}.events
         WHERE (transaction_id, global_position) > ('5'::xid8, 7::bigint) AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY transaction_id, global_position LIMIT 10`,
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('events_log_order');
      expect(plan).not.toMatch(/Sort/);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });

  it('rejects a log position it did not produce', async () => {
    await expect(store.readAll({ after: '42', maxCount: 1 })).rejects.toThrow(RangeError);
  });
});
