import { migrate, quoteSchema, type Migration, type Queryable } from '@stockflow/postgres';
import type { Pool } from 'pg';

export const sagaDeadlineMigrations: readonly Migration[] = [
  {
    id: 'orders/001-saga-deadlines',
    // One row per saga that may still need the sweeper: written with the saga's start events, and
    // deleted only once the saga is complete and the order agrees with it.
    sql: (schema) => `
      CREATE TABLE ${schema}.saga_deadlines (
        order_id text PRIMARY KEY,
        deadline timestamptz NOT NULL
      );
      CREATE INDEX saga_deadlines_due ON ${schema}.saga_deadlines (deadline)`,
  },
];

interface PendingRemoval {
  readonly orderId: string;
  resolve(): void;
  reject(error: unknown): void;
}

/** Removals in one DELETE at most: bounds the array PostgreSQL is sent. */
const MAX_REMOVALS_PER_STATEMENT = 1_000;

/** `<schema>.saga_deadlines(order_id, deadline)`: when each open saga times out. */
export class SagaDeadlines {
  private readonly insertSql: string;
  private readonly upsertSql: string;
  private readonly deleteSql: string;
  private readonly deleteDueSql: string;
  private readonly dueSql: string;
  /** Removals waiting for the DELETE in flight to finish (see `remove`). */
  private pendingRemovals: PendingRemoval[] = [];
  private removing = false;

  static async create(pool: Pool, schema: string): Promise<SagaDeadlines> {
    await migrate(pool, schema, sagaDeadlineMigrations);
    return new SagaDeadlines(pool, schema);
  }

  private constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    const table = `${quoteSchema(schema)}.saga_deadlines`;
    this.insertSql = `INSERT INTO ${table} (order_id, deadline) VALUES ($1, $2) ON CONFLICT (order_id) DO NOTHING`;
    this.upsertSql = `INSERT INTO ${table} (order_id, deadline) VALUES ($1, $2) ON CONFLICT (order_id) DO UPDATE SET deadline = EXCLUDED.deadline`;
    this.deleteSql = `DELETE FROM ${table} WHERE order_id = ANY($1::text[])`;
    this.deleteDueSql = `DELETE FROM ${table} WHERE order_id = $1 AND deadline <= $2`;
    this.dueSql = `SELECT order_id FROM ${table} WHERE deadline <= $1 ORDER BY deadline LIMIT $2`;
  }

  /** Through `db`: a client in the transaction that appends the saga's start events. */
  async insert(db: Queryable, orderId: string, deadline: string): Promise<void> {
    await db.query({ text: this.insertSql, values: [orderId, deadline] });
  }

  /**
   * On a log without transactions (ADR 0046): the deadline of the start events about to be appended,
   * written before them (the one a crashed earlier attempt left is replaced). A row whose saga never
   * started is cleared by the sweeper (`removeIfDue`).
   */
  async set(orderId: string, deadline: string): Promise<void> {
    await this.pool.query({ text: this.upsertSql, values: [orderId, deadline] });
  }

  /** Removes the row only while its deadline is due: a start that set a new one meanwhile keeps it. */
  async removeIfDue(orderId: string, now: Date): Promise<void> {
    await this.pool.query({ text: this.deleteDueSql, values: [orderId, now.toISOString()] });
  }

  /**
   * Resolves once the row is gone. Sagas completing together (the saga's consumers handle many
   * orders at once, ADR 0040) share one DELETE: removals that arrive while one is in flight go in
   * the next, so a completion costs a fraction of a round trip under load and none is delayed by more
   * than the statement before it.
   */
  remove(orderId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pendingRemovals.push({ orderId, resolve, reject });
      this.removeWaiting();
    });
  }

  private removeWaiting(): void {
    if (this.removing || this.pendingRemovals.length === 0) return;
    const batch = this.pendingRemovals.splice(0, MAX_REMOVALS_PER_STATEMENT);
    this.removing = true;
    this.pool
      .query(this.deleteSql, [batch.map((removal) => removal.orderId)])
      .then(
        () => batch.forEach((removal) => removal.resolve()),
        (error: unknown) => batch.forEach((removal) => removal.reject(error)),
      )
      .finally(() => {
        this.removing = false;
        this.removeWaiting();
      });
  }

  /** Order ids whose deadline is at or before `now`, oldest first. */
  async due(now: Date, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ order_id: string }>(this.dueSql, [now.toISOString(), limit]);
    return rows.map((row) => row.order_id);
  }
}
