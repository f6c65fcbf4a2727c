import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` with a client inside a transaction: COMMIT when it resolves, ROLLBACK when it throws
 * (the error propagates). A client that cannot even roll back goes back to the pool destroyed.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    }
  } finally {
    client.release(broken);
  }
}
