import type { Pool, PoolClient, QueryResult } from 'pg';

export interface TransactionOptions {
  /**
   * Statements sent with BEGIN in one simple-protocol query (one round trip; each statement runs
   * with its own snapshot, as if sent alone). No parameters: build literals with the client's
   * `escapeLiteral`. Their results reach `work`, BEGIN's first.
   */
  readonly withBegin?: (client: PoolClient) => string;
}

/**
 * Runs `work` with a client inside a transaction: COMMIT when it resolves, ROLLBACK when it throws
 * (the error propagates; also when BEGIN or `withBegin` failed). A client that cannot even roll
 * back goes back to the pool destroyed.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient, begun: readonly QueryResult[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const begun = options.withBegin ? ((await client.query(`BEGIN; ${options.withBegin(client)}`)) as unknown as QueryResult[]) : [await client.query('BEGIN')];
    const result = await work(client, begun);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}
