// The projections' read-model tables, read row by row: to compare the live tables with a rebuild.
import type { Pool } from 'pg';

/** Each read-model table and the key it is ordered by. */
export const READ_MODEL_TABLES = { stock: 'sku', customer_orders: 'order_id', carts: 'cart_id', notification_deliveries: 'channel' } as const;

/** Every row of every read-model table in `schema`, in key order. */
export async function dumpReadModels(pool: Pool, schema: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(READ_MODEL_TABLES)) out[table] = (await pool.query(`SELECT * FROM ${schema}.${table} ORDER BY ${key}`)).rows;
  return out;
}
