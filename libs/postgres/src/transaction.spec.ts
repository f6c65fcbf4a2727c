import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Pool } from 'pg';
import { createPool } from './pool.js';
import { dropSchema, uniqueSchemaName } from './test-schema.js';
import { inTransaction } from './transaction.js';

describe('inTransaction', () => {
  let pool: Pool;
  let schema: string;
  const count = async (): Promise<number> => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.rows`)).rows[0]!.n;

  beforeAll(async () => {
    pool = createPool({ max: 2, applicationName: 'transaction.spec' });
    schema = uniqueSchemaName('t');
    await pool.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.rows (name text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('commits what the work wrote and returns its result', async () => {
    expect(await inTransaction(pool, async (client) => (await client.query(`INSERT INTO ${schema}.rows VALUES ('a')`)).rowCount)).toBe(1);
    expect(await count()).toBe(1);
  });

  it('rolls back when the work throws, and the connection stays usable', async () => {
    await expect(
      inTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${schema}.rows VALUES ('b')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await count()).toBe(1);
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('sends withBegin statements with BEGIN in one query, inside the transaction, and hands over their results', async () => {
    const seen = await inTransaction(
      pool,
      async (_client, begun) => ({ begun: begun.map((r) => r.command) }),
      { withBegin: (client) => `INSERT INTO ${schema}.rows VALUES (${client.escapeLiteral("it's c")}); SELECT 1` },
    );
    expect(seen.begun).toEqual(['BEGIN', 'INSERT', 'SELECT']);
    // The row inserted with BEGIN belongs to the transaction: a rollback takes it away (below).
    expect(await count()).toBe(2);
    await expect(
      inTransaction(pool, async () => { throw new Error('undo'); }, { withBegin: () => `INSERT INTO ${schema}.rows VALUES ('d')` }),
    ).rejects.toThrow('undo');
    expect(await count()).toBe(2);
  });
});
