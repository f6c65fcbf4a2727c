import { inTransaction } from '@stockflow/postgres';
import type { Pool, PoolClient, QueryResult } from 'pg';

type Client = Pick<PoolClient, 'query'> | Pick<Pool, 'query'>;

/**
 * Runs `work` in a transaction that holds the projection's lock and its checkpoint, the way every
 * writer of one projection's read model (live batches, a rebuild's swap) must: a transaction-scoped
 * advisory lock serialises them across processes, then the checkpoint row is read FOR UPDATE and
 * handed to `work`. COMMIT when `work` resolves, ROLLBACK when it throws.
 *
 * BEGIN, the lock and the read leave as one simple-protocol query (three statements, each with its
 * own snapshot, as if sent one by one): one round trip instead of three. A projection batch was
 * seven round trips, the largest share of PostgreSQL's work under light load.
 */
export function inProjectionTransaction<T>(pool: Pool, schema: string, projection: string, work: (client: PoolClient, checkpoint: number) => Promise<T>): Promise<T> {
  return inTransaction(
    pool,
    (client, begun) => {
      const row = (begun[2] as QueryResult<{ sequence: number | string }> | undefined)?.rows[0];
      return work(client, row ? Number(row.sequence) : 0);
    },
    {
      withBegin: (client) =>
        `SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(`stockflow.projection:${schema}:${projection}`)}, 0)); ` +
        `SELECT sequence FROM ${schema}.projection_checkpoints WHERE projection = ${client.escapeLiteral(projection)} FOR UPDATE`,
    },
  );
}

export async function ensureCheckpoint(client: Client, schema: string, projection: string, stream: string): Promise<void> {
  await client.query(`INSERT INTO ${schema}.projection_checkpoints (projection, stream) VALUES ($1, $2) ON CONFLICT (projection) DO NOTHING`, [projection, stream]);
}

export async function readCheckpoint(client: Client, schema: string, projection: string): Promise<number> {
  const { rows } = await client.query<{ sequence: number }>(`SELECT sequence FROM ${schema}.projection_checkpoints WHERE projection = $1`, [projection]);
  return rows[0]?.sequence ?? 0;
}

/** Where a batch leaves the checkpoint: written in the statement that writes the batch's rows. */
export interface CheckpointAdvance {
  readonly projection: string;
  readonly sequence: number;
  readonly applied: number;
}

/** The UPDATE that advances a checkpoint, its parameters numbered from `$first`. */
export function advanceCheckpointSql(schema: string, first: number): string {
  return `UPDATE ${schema}.projection_checkpoints SET sequence = $${first + 1}, events_applied = events_applied + $${first + 2}, updated_at = now() WHERE projection = $${first}`;
}

export function advanceCheckpointValues(advance: CheckpointAdvance): unknown[] {
  return [advance.projection, advance.sequence, advance.applied];
}
