import type { Pool, PoolClient } from 'pg';

type Client = Pick<PoolClient, 'query'> | Pick<Pool, 'query'>;

/**
 * Serialises everything that writes one projection's read model (live batches, a rebuild's swap),
 * across processes: a transaction-scoped advisory lock.
 */
export async function lockProjection(client: Client, schema: string, projection: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stockflow.projection:${schema}:${projection}`]);
}

export async function ensureCheckpoint(client: Client, schema: string, projection: string, stream: string): Promise<void> {
  await client.query(`INSERT INTO ${schema}.projection_checkpoints (projection, stream) VALUES ($1, $2) ON CONFLICT (projection) DO NOTHING`, [projection, stream]);
}

/** The checkpoint, locked for the rest of the transaction. */
export async function readCheckpointForUpdate(client: Client, schema: string, projection: string): Promise<number> {
  const { rows } = await client.query<{ sequence: number }>(`SELECT sequence FROM ${schema}.projection_checkpoints WHERE projection = $1 FOR UPDATE`, [projection]);
  return rows[0]?.sequence ?? 0;
}

export async function readCheckpoint(client: Client, schema: string, projection: string): Promise<number> {
  const { rows } = await client.query<{ sequence: number }>(`SELECT sequence FROM ${schema}.projection_checkpoints WHERE projection = $1`, [projection]);
  return rows[0]?.sequence ?? 0;
}

export async function writeCheckpoint(client: Client, schema: string, projection: string, sequence: number, applied: number): Promise<void> {
  await client.query(
    `UPDATE ${schema}.projection_checkpoints SET sequence = $2, events_applied = events_applied + $3, updated_at = now() WHERE projection = $1`,
    [projection, sequence, applied],
  );
}

/** Runs `work` in a transaction on a pooled client; a client that cannot roll back is discarded. */
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
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    }
  } finally {
    client.release(broken);
  }
}
