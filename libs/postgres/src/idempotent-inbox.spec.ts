import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { idempotentInboxMigrations } from './event-store-migrations.js';
import { contractTestCatalog, counterEvent } from '@stockflow/event-sourcing/testing';
import { IdempotentInbox } from './idempotent-inbox.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { migrate } from './migrator.js';
import { createPool } from './pool.js';
import { dropSchema, uniqueSchemaName } from './test-schema.js';

describe('IdempotentInbox', () => {
  let pool: Pool;
  let schema: string;
  let inbox: IdempotentInbox;

  beforeAll(async () => {
    pool = createPool({ max: 12, applicationName: 'idempotent-inbox.spec' });
    schema = uniqueSchemaName('t');
    await migrate(pool, schema, [
      ...idempotentInboxMigrations,
      { id: 'test/001-effects', sql: (s) => `CREATE TABLE ${s}.effects (consumer text NOT NULL, event_id uuid NOT NULL)` },
    ]);
    inbox = new IdempotentInbox(pool, schema);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  const recordEffect = (consumer: string, eventId: string) => async (client: PoolClient) => {
    await client.query(`INSERT INTO ${schema}.effects VALUES ($1, $2)`, [consumer, eventId]);
  };
  const effectsOf = async (eventId: string): Promise<number> =>
    (await pool.query(`SELECT count(*) AS n FROM ${schema}.effects WHERE event_id = $1`, [eventId])).rows[0].n;
  const marksOf = async (eventId: string): Promise<number> =>
    (await pool.query(`SELECT count(*) AS n FROM ${schema}.processed_events WHERE event_id = $1`, [eventId])).rows[0].n;

  it('commits the effect together with the mark', async () => {
    const eventId = randomUUID();
    expect(await inbox.runOnce('billing', eventId, recordEffect('billing', eventId))).toBe('applied');
    expect(await effectsOf(eventId)).toBe(1);
    expect(await marksOf(eventId)).toBe(1);
  });

  it('changes nothing on a duplicate, and keeps consumers apart', async () => {
    const eventId = randomUUID();
    await inbox.runOnce('billing', eventId, recordEffect('billing', eventId));
    let ran = false;
    const outcome = await inbox.runOnce('billing', eventId, async (client) => {
      ran = true;
      await recordEffect('billing', eventId)(client);
    });
    expect(outcome).toBe('duplicate');
    expect(ran).toBe(false);
    expect(await effectsOf(eventId)).toBe(1);
    expect(await inbox.runOnce('shipping', eventId, recordEffect('shipping', eventId))).toBe('applied');
    expect(await effectsOf(eventId)).toBe(2);
  });

  it('leaves no mark when the effect throws, so the next delivery applies it', async () => {
    const eventId = randomUUID();
    const failing = async (client: PoolClient): Promise<void> => {
      await recordEffect('billing', eventId)(client);
      throw new Error('downstream unavailable');
    };
    await expect(inbox.runOnce('billing', eventId, failing)).rejects.toThrow('downstream unavailable');
    expect(await marksOf(eventId)).toBe(0);
    expect(await effectsOf(eventId)).toBe(0);
    expect(await inbox.runOnce('billing', eventId, recordEffect('billing', eventId))).toBe('applied');
    expect(await effectsOf(eventId)).toBe(1);
  });

  it('applies exactly once among ten concurrent deliveries', async () => {
    const eventId = randomUUID();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        inbox.runOnce('billing', eventId, async (client) => {
          await recordEffect('billing', eventId)(client);
          // Keeps the winner's transaction open while the others arrive and wait on its mark.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }),
      ),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
    expect(await effectsOf(eventId)).toBe(1);
  });

  it('in a store transaction, commits the mark, the effect and its appends together, once', async () => {
    const store = await PostgresEventStore.create({ pool, schema, catalog: contractTestCatalog });
    const eventId = randomUUID();
    const streamId = `counter-${randomUUID()}`;
    const effect = async (tx: Parameters<Parameters<IdempotentInbox['runOnceInStore']>[3]>[0]): Promise<void> => {
      await recordEffect('notifier', eventId)(tx.connection);
      await tx.appendToStream(streamId, [counterEvent(1)]);
    };
    await expect(
      inbox.runOnceInStore(store, 'notifier', eventId, async (tx) => {
        await effect(tx);
        throw new Error('downstream unavailable');
      }),
    ).rejects.toThrow('downstream unavailable');
    expect(await marksOf(eventId)).toBe(0);
    expect((await store.readStream(streamId)).currentVersion).toBe(0);
    const outcomes = await Promise.all([0, 1, 2].map(() => inbox.runOnceInStore(store, 'notifier', eventId, effect)));
    expect(outcomes.sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await effectsOf(eventId)).toBe(1);
    expect((await store.readStream(streamId)).currentVersion).toBe(1);
  });
});
