import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { eventStoreMigrations } from './event-store-migrations.js';
import { migrate } from './migrator.js';
import { createPool, DEFAULT_DATABASE_URL } from './pool.js';
import { dropServiceRole, provisionServiceRole, type ServiceRole } from './service-roles.js';
import { dropSchema, uniqueSchemaName } from './test-schema.js';

/** The same server, logged in as `role`. */
function poolAs(role: ServiceRole): Pool {
  const url = new URL(process.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL);
  url.username = role.role;
  url.password = role.password;
  return createPool({ connectionString: url.toString(), max: 2, applicationName: 'service-roles.spec' });
}

describe('a PostgreSQL role per service, with rights on its own schema only', () => {
  let admin: Pool;
  const run = uniqueSchemaName('t');
  const orders: ServiceRole = { role: `${run}_orders_role`, schema: `${run}_orders`, password: randomBytes(18).toString('base64url') };
  const inventory: ServiceRole = { role: `${run}_inventory_role`, schema: `${run}_inventory`, password: randomBytes(18).toString('base64url') };
  let asOrders: Pool;
  let asInventory: Pool;

  beforeAll(async () => {
    admin = createPool({ max: 2, applicationName: 'service-roles.spec' });
    // Inventory's schema existed before its role (development data made by the superuser): it changes hands.
    await migrate(admin, inventory.schema, eventStoreMigrations);
    await admin.query(`INSERT INTO "${inventory.schema}".schema_migrations (id) VALUES ('test/pre-existing')`);
    for (const role of [orders, inventory]) await provisionServiceRole(admin, role);
    asOrders = poolAs(orders);
    asInventory = poolAs(inventory);
  });

  afterAll(async () => {
    await asOrders?.end();
    await asInventory?.end();
    for (const role of [orders, inventory]) {
      await dropSchema(admin, role.schema);
      await dropServiceRole(admin, role.role);
    }
    await admin.end();
  });

  it('lets each service migrate and use its own schema as its own role', async () => {
    expect((await asOrders.query('SELECT current_user AS who')).rows[0].who).toBe(orders.role);
    await migrate(asOrders, orders.schema, eventStoreMigrations);
    await migrate(asOrders, orders.schema, [{ id: 'test/001', sql: (s) => `CREATE TABLE ${s}.secrets (customer text, email text)` }]);
    await asOrders.query(`INSERT INTO "${orders.schema}".secrets VALUES ('ada', 'ada@example.com')`);
    expect((await asOrders.query(`SELECT count(*)::int AS n FROM "${orders.schema}".secrets`)).rows[0].n).toBe(1);
    // The schema made by the superuser before its role existed is the role's now, tables included.
    await migrate(asInventory, inventory.schema, [{ id: 'test/002', sql: (s) => `ALTER TABLE ${s}.schema_migrations ADD COLUMN note text` }]);
    expect((await asInventory.query(`SELECT id FROM "${inventory.schema}".schema_migrations WHERE id = 'test/pre-existing'`)).rowCount).toBe(1);
  });

  it("refuses one service's role every access to another's schema", async () => {
    const denied = { code: '42501' };
    await expect(asInventory.query(`SELECT * FROM "${orders.schema}".secrets`)).rejects.toMatchObject(denied);
    await expect(asInventory.query(`INSERT INTO "${orders.schema}".secrets VALUES ('eve', 'eve@example.com')`)).rejects.toMatchObject(denied);
    await expect(asInventory.query(`CREATE TABLE "${orders.schema}".planted (x int)`)).rejects.toMatchObject(denied);
    await expect(asOrders.query(`SELECT * FROM "${inventory.schema}".events`)).rejects.toMatchObject(denied);
    await expect(asOrders.query(`DROP TABLE "${inventory.schema}".events`)).rejects.toMatchObject(denied);
    await expect(migrate(asOrders, inventory.schema, [{ id: 'test/evil', sql: (s) => `CREATE TABLE ${s}.evil (x int)` }])).rejects.toMatchObject(denied);
  });

  it('gives a service role no schema of its own making and nothing in public', async () => {
    await expect(asOrders.query(`CREATE SCHEMA "${run}_mine"`)).rejects.toMatchObject({ code: '42501' });
    await expect(asOrders.query(`CREATE TABLE public."${run}_t" (x int)`)).rejects.toMatchObject({ code: '42501' });
  });

  it('is idempotent and rotates the password', async () => {
    await provisionServiceRole(admin, { ...orders, password: randomBytes(18).toString('base64url') });
    const { rows } = await admin.query('SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = $1', [orders.role]);
    expect(rows).toEqual([{ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
    expect((await admin.query('SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1', [orders.schema])).rows[0].owner).toBe(orders.role);
  });
});
