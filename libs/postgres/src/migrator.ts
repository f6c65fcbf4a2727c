import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction.js';

export interface Migration {
  /** Unique within the schema; a migration is applied once per schema, identified by this id. */
  readonly id: string;
  /** The SQL to run, given the schema as a quoted identifier (`"orders"`), ready to prefix table names. */
  readonly sql: (schema: string) => string;
  /**
   * Work SQL cannot do (e.g. computing a keyed hash of existing rows), run after `sql` in the same
   * transaction: the migration is recorded, and seen by others, only with it done.
   */
  readonly after?: (client: PoolClient, schema: string) => Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Returns the schema name as a quoted identifier. Schema names end up inside SQL text (they cannot be
 * bind parameters), so only plain lower-case identifiers are accepted.
 */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`invalid schema name "${schema}"`);
  return `"${schema}"`;
}

/**
 * Brings `schema` up to date with `migrations`, applying the missing ones in order in one transaction.
 * Returns the ids it applied. Safe to run from several processes at once: an advisory lock keyed on
 * the schema makes the others wait and then find nothing left to do.
 */
export function migrate(pool: Pool, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  const quoted = quoteSchema(schema);
  return inTransaction(pool, async (client) => {
    // Taken before CREATE SCHEMA IF NOT EXISTS, which is not itself safe against a concurrent twin.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stockflow.migrate:${schema}`]);
    // Only when missing: a service's own role (ADR 0020) owns its schema but may not create schemas,
    // and PostgreSQL checks that right before it sees IF NOT EXISTS.
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${quoted}.schema_migrations`);
    const done = new Set(rows.map((r) => r.id));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query(migration.sql(quoted));
      if (migration.after) await migration.after(client, quoted);
      await client.query(`INSERT INTO ${quoted}.schema_migrations (id) VALUES ($1)`, [migration.id]);
      done.add(migration.id);
      applied.push(migration.id);
    }
    return applied;
  });
}
