import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, dropSchema, poolRoundTrips, quoteSchema, uniqueSchemaName } from '@stockflow/postgres';
import type { Pool } from 'pg';
import { SagaDeadlines } from './saga-deadlines.js';

describe('SagaDeadlines (real PostgreSQL)', () => {
  const schema = uniqueSchemaName('deadlines');
  let pool: Pool;
  let deadlines: SagaDeadlines;

  beforeAll(async () => {
    pool = createPool({ applicationName: 'saga-deadlines-spec' });
    deadlines = await SagaDeadlines.create(pool, schema);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  const remaining = async (): Promise<string[]> =>
    (await pool.query<{ order_id: string }>(`SELECT order_id FROM ${quoteSchema(schema)}.saga_deadlines ORDER BY order_id`)).rows.map((row) => row.order_id);

  it('removes deadlines that complete together in a few statements, each removal resolving once its row is gone', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `order-${String(i).padStart(3, '0')}`);
    for (const id of [...ids, 'order-kept']) await deadlines.insert(pool, id, new Date(Date.now() + 60_000).toISOString());
    const before = poolRoundTrips(pool);
    await Promise.all(ids.map((id) => deadlines.remove(id)));
    const statements = poolRoundTrips(pool) - before;
    expect(await remaining()).toEqual(['order-kept']);
    // The first removal goes alone; the 199 that arrive while it is in flight share the next DELETE.
    expect(statements).toBeLessThanOrEqual(3);
    console.log(`200 removals at once: ${statements} DELETE statements`);
    // Removing again (a redelivered completion) is harmless, and a lone removal still resolves.
    await deadlines.remove(ids[0]!);
    await deadlines.remove('order-kept');
    expect(await remaining()).toEqual([]);
  });

  it('on a log without transactions: a start sets its deadline ahead of its events, and the sweeper clears an orphan only while it is due', async () => {
    const deadlineOf = async (id: string): Promise<string | undefined> =>
      (await pool.query<{ deadline: Date }>(`SELECT deadline FROM ${quoteSchema(schema)}.saga_deadlines WHERE order_id = $1`, [id])).rows[0]?.deadline.toISOString();
    const past = new Date(Date.now() - 1_000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    // A start that crashed before its append left a deadline; the redelivered start replaces it.
    await deadlines.set('order-orphan', past);
    await deadlines.set('order-orphan', future);
    expect(await deadlineOf('order-orphan')).toBe(future);
    // The sweeper saw the saga missing before that: its removal must not take the new deadline.
    await deadlines.removeIfDue('order-orphan', new Date());
    expect(await deadlineOf('order-orphan')).toBe(future);
    // An orphan nobody restarted is cleared once due.
    await deadlines.set('order-abandoned', past);
    await deadlines.removeIfDue('order-abandoned', new Date());
    expect(await deadlineOf('order-abandoned')).toBeUndefined();
    await deadlines.remove('order-orphan');
  });

  it('rejects every removal of a failed statement, and later removals are still sent', async () => {
    const droppedSchema = uniqueSchemaName('gone');
    const broken = await SagaDeadlines.create(pool, droppedSchema);
    await dropSchema(pool, droppedSchema); // its DELETE now fails
    const results = await Promise.allSettled([broken.remove('a'), broken.remove('b'), broken.remove('c')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await expect(broken.remove('d')).rejects.toThrow(/does not exist/);
  });
});
