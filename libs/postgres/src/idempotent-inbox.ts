import type { Pool, PoolClient } from 'pg';
import { idempotentInboxMigrations } from './event-store-migrations.js';
import { migrate, quoteSchema } from './migrator.js';

export type InboxOutcome = 'applied' | 'duplicate';

/**
 * Exactly-once effects on at-least-once delivery: the mark "consumer handled event" and the effect's
 * writes commit in one transaction, so a redelivered event finds the mark and changes nothing.
 * Needs `<schema>.processed_events` (see `idempotentInboxMigrations`).
 */
export class IdempotentInbox {
  private readonly markSql: string;

  /** Creates the processed_events table if missing; the constructor alone assumes it exists. */
  static async create(pool: Pool, schema: string): Promise<IdempotentInbox> {
    await migrate(pool, schema, idempotentInboxMigrations);
    return new IdempotentInbox(pool, schema);
  }

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.markSql = `INSERT INTO ${quoteSchema(schema)}.processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`;
  }

  /**
   * Runs `effect` with a client inside the transaction that records the mark, unless the mark exists.
   * A concurrent run for the same event waits on the mark's row and then reports a duplicate.
   * If `effect` throws, nothing is recorded and the error propagates: the next delivery retries.
   */
  async runOnce(consumer: string, eventId: string, effect: (client: PoolClient) => Promise<void>): Promise<InboxOutcome> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const { rowCount } = await client.query(this.markSql, [consumer, eventId]);
        if (rowCount === 0) {
          await client.query('ROLLBACK');
          return 'duplicate';
        }
        await effect(client);
        await client.query('COMMIT');
        return 'applied';
      } catch (error) {
        // A connection that cannot even roll back goes back to the pool destroyed, not reused.
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }
}
