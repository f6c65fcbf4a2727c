import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { quoteSchema } from './migrator.js';

/** A schema name no other run on the shared server will pick: `<prefix>_<8 hex>`. */
export function uniqueSchemaName(prefix = 't'): string {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  quoteSchema(schema);
  return schema;
}

export async function dropSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`);
}

/**
 * Waits until every committed event of the schema's log is readable: its readers stop below the
 * oldest transaction still open anywhere on the server (ADR 0002), so on a shared server another
 * client's open transaction can hold them back for a while.
 */
export async function settleLog(pool: Pool, schema: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ settled: boolean }>(
      `SELECT coalesce((SELECT max(transaction_id) FROM ${quoteSchema(schema)}.events) < pg_snapshot_xmin(pg_current_snapshot()), true) AS settled`,
    );
    if (rows[0]!.settled) return;
    if (Date.now() > until) throw new Error(`the log of ${schema} did not settle within ${timeoutMs} ms: a transaction stays open on the server`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
