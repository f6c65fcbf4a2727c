import type { EventStore, EventStoreTransaction } from '@stockflow/event-sourcing';
import type { Pool, PoolClient } from 'pg';
import { idempotentInboxMigrations } from './event-store-migrations.js';
import { migrate, quoteSchema } from './migrator.js';
import { inTransaction } from './transaction.js';

export type InboxOutcome = 'applied' | 'duplicate';

/**
 * Exactly-once effects on at-least-once delivery: the mark "consumer handled event" and the effect's
 * writes commit in one transaction, so a redelivered event finds the mark and changes nothing.
 * Needs `<schema>.processed_events` (see `idempotentInboxMigrations`).
 */
export class IdempotentInbox {
  private readonly markSql: string;
  private readonly markOneSql: string;

  /** Creates the processed_events table if missing; the constructor alone assumes it exists. */
  static async create(pool: Pool, schema: string): Promise<IdempotentInbox> {
    await migrate(pool, schema, idempotentInboxMigrations);
    return new IdempotentInbox(pool, schema);
  }

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.markSql = `INSERT INTO ${quoteSchema(schema)}.processed_events (consumer, event_id) VALUES`;
    this.markOneSql = `${this.markSql} ($1, $2) ON CONFLICT DO NOTHING`;
  }

  /**
   * Runs `effect` with a client inside the transaction that records the mark, unless the mark exists.
   * A concurrent run for the same event waits on the mark's row and then reports a duplicate.
   * If `effect` throws, nothing is recorded and the error propagates: the next delivery retries.
   */
  async runOnce(consumer: string, eventId: string, effect: (client: PoolClient) => Promise<void>): Promise<InboxOutcome> {
    return inTransaction(
      this.pool,
      async (client, begun) => {
        if (begun[1]!.rowCount === 0) return 'duplicate'; // the mark exists: nothing was written
        await effect(client);
        return 'applied';
      },
      // The mark leaves with BEGIN: one round trip fewer for every event a consumer handles.
      { withBegin: (client) => `${this.markSql} (${client.escapeLiteral(consumer)}, ${client.escapeLiteral(eventId)}) ON CONFLICT DO NOTHING` },
    );
  }

  /**
   * `runOnce` in a transaction of the event store (on the same database as this inbox), for an
   * effect that appends events: the mark, the effect's statements and its appends commit together.
   * The mark is the transaction's first statement (one round trip more than `runOnce`, whose mark
   * leaves with BEGIN).
   */
  async runOnceInStore(
    store: EventStore<PoolClient>,
    consumer: string,
    eventId: string,
    effect: (tx: EventStoreTransaction<PoolClient>) => Promise<void>,
  ): Promise<InboxOutcome> {
    return store.withTransaction(async (tx) => {
      const { rowCount } = await tx.connection.query(this.markOneSql, [consumer, eventId]);
      if (rowCount === 0) return 'duplicate';
      await effect(tx);
      return 'applied';
    });
  }
}
