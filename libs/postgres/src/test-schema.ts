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
