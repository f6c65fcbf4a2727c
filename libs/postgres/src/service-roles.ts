import type { Pool } from 'pg';
import { quoteSchema } from './migrator.js';
import { inTransaction } from './transaction.js';

/** A service's PostgreSQL role and the one schema it owns (ADR 0020). */
export interface ServiceRole {
  /** A lower-case SQL identifier, e.g. `stockflow_orders`. */
  readonly role: string;
  readonly schema: string;
  /** Its LOGIN password (a secret: never logged). */
  readonly password: string;
}

/**
 * Creates (or brings in line) the role a service logs in as, run by an administrator: LOGIN with the
 * given password, owner of its schema and of everything already in it, no right to create schemas,
 * and nothing on any other schema (PostgreSQL 15 gives PUBLIC no CREATE on `public`; the role gets
 * no USAGE on other services' schemas). The service's own migrations then run as the role.
 * Idempotent: run it on every deploy, and to rotate a password.
 */
export async function provisionServiceRole(admin: Pool, spec: ServiceRole): Promise<void> {
  const role = quoteSchema(spec.role);
  const schema = quoteSchema(spec.schema);
  await inTransaction(admin, async (client) => {
    // One provisioning at a time: CREATE ROLE has no IF NOT EXISTS.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stockflow.provision-role:${spec.role}`]);
    const password = client.escapeLiteral(spec.password);
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.role]);
    await client.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD ${password}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema} AUTHORIZATION ${role}`);
    await client.query(`ALTER SCHEMA ${schema} OWNER TO ${role}`);
    // A schema the superuser filled before (development): its objects change hands too.
    const { rows } = await client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          -- A column's sequence follows its table.
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))`,
      [spec.schema],
    );
    for (const { name, kind } of rows) {
      const what = kind === 'S' ? 'SEQUENCE' : kind === 'v' ? 'VIEW' : kind === 'm' ? 'MATERIALIZED VIEW' : kind === 'f' ? 'FOREIGN TABLE' : 'TABLE';
      await client.query(`ALTER ${what} ${schema}.${client.escapeIdentifier(name)} OWNER TO ${role}`);
    }
  });
}

/** Removes a service's role (tests; decommissioning). Its schema must be gone or owned by another role. */
export async function dropServiceRole(admin: Pool, role: string): Promise<void> {
  await admin.query(`DROP ROLE IF EXISTS ${quoteSchema(role)}`);
}
