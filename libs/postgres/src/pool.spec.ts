// The pool outlives its connections being killed by the server (57P01, what a restart or failover
// does to every session): no unhandled 'error' (which would end this test process), the loss logged
// once, and the next query served on a new connection.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { createPool, type ConnectionLossLogger } from './pool.js';
import { inTransaction } from './transaction.js';

describe('createPool when the server ends its sessions', () => {
  const name = `pool.spec-${randomBytes(4).toString('hex')}`;
  const lines: { level: 'warn' | 'info'; details: object; message: string }[] = [];
  const logger: ConnectionLossLogger = {
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
    info: (details, message) => lines.push({ level: 'info', details, message }),
  };
  let pool: Pool;
  let admin: Pool;
  /** Terminates every session of the pool under test, as `pg_ctl restart` would. */
  const terminateAll = async (): Promise<number> =>
    (
      await admin.query<{ n: number }>(
        'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [name],
      )
    ).rows[0]!.n;
  const until = async (condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  beforeAll(() => {
    pool = createPool({ max: 4, applicationName: name, logger });
    admin = createPool({ max: 1, applicationName: 'pool.spec-admin' });
  });
  afterAll(async () => {
    await pool.end();
    await admin.end();
  });

  it('drops idle connections the server killed, logs the loss once, and serves the next query', async () => {
    // Four idle connections.
    const held = await Promise.all([0, 1, 2, 3].map(() => pool.connect()));
    for (const client of held) client.release();
    expect(pool.idleCount).toBe(4);

    expect(await terminateAll()).toBe(4);
    await until(() => pool.totalCount === 0);
    expect(pool.totalCount).toBe(0);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', details: { pool: name, code: '57P01' }, message: 'PostgreSQL connection lost; reconnecting on demand' },
    ]);

    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(lines.at(-1)).toEqual({ level: 'info', details: { pool: name }, message: 'PostgreSQL connection restored' });
  });

  it('a connection killed while checked out fails its holder, not the process, and is not reused', async () => {
    lines.length = 0;
    let client: PoolClient | undefined;
    const failed = inTransaction(pool, async (c) => {
      client = c;
      await terminateAll();
      await new Promise((r) => setTimeout(r, 100));
      await c.query('SELECT 1');
    });
    await expect(failed).rejects.toThrow();
    expect(client).toBeDefined();
    expect(pool.totalCount).toBe(0);
    expect(lines.map((l) => l.level)).toEqual(['warn']);
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('bounds the wait for a connection and cancels statements past the timeout', async () => {
    const small = createPool({ max: 1, applicationName: name, connectionTimeoutMs: 200, statementTimeoutMs: 300, logger });
    try {
      const held = await small.connect();
      const started = performance.now();
      await expect(small.connect()).rejects.toThrow('timeout exceeded when trying to connect');
      expect(performance.now() - started).toBeLessThan(2_000);
      await expect(held.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: '57014' });
      held.release();
    } finally {
      await small.end();
    }
  });
});
