import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Pool } from 'pg';
import { migrate, quoteSchema, type Migration } from './migrator.js';
import { createPool } from './pool.js';
import { dropSchema, uniqueSchemaName } from './test-schema.js';

describe('migrate', () => {
  let pool: Pool;
  const schemas: string[] = [];
  const freshSchema = (): string => {
    const schema = uniqueSchemaName('t');
    schemas.push(schema);
    return schema;
  };

  beforeAll(() => {
    pool = createPool({ max: 6, applicationName: 'migrator.spec' });
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  // Each migration logs itself, so applying one twice would show in the log (or fail on CREATE TABLE).
  const migrations: Migration[] = [
    { id: '001-log', sql: (s) => `CREATE TABLE ${s}.log (id text NOT NULL); INSERT INTO ${s}.log VALUES ('001-log')` },
    { id: '002-items', sql: (s) => `CREATE TABLE ${s}.items (id int PRIMARY KEY); INSERT INTO ${s}.log VALUES ('002-items')` },
  ];

  it('applies each migration once when runs race on a new schema', async () => {
    const schema = freshSchema();
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(pool, schema, migrations)));
    expect(results.flat().sort()).toEqual(['001-log', '002-items']);
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM ${schema}.log ORDER BY id`);
    expect(rows.map((r) => r.id)).toEqual(['001-log', '002-items']);
  });

  it('applies only the migrations added since the last run, in order', async () => {
    const schema = freshSchema();
    expect(await migrate(pool, schema, migrations.slice(0, 1))).toEqual(['001-log']);
    expect(await migrate(pool, schema, migrations)).toEqual(['002-items']);
    expect(await migrate(pool, schema, migrations)).toEqual([]);
  });

  it('rolls a failing run back entirely', async () => {
    const schema = freshSchema();
    const broken: Migration = { id: '003-broken', sql: (s) => `CREATE TABLE ${s}.nope (` };
    await expect(migrate(pool, schema, [...migrations, broken])).rejects.toThrow();
    const { rows } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    expect(rows).toHaveLength(0);
  });

  it('refuses schema names it would have to escape', () => {
    expect(() => quoteSchema('Orders')).toThrow(RangeError);
    expect(() => quoteSchema('a"; DROP SCHEMA public; --')).toThrow(RangeError);
    expect(quoteSchema('orders_v2')).toBe('"orders_v2"');
  });
});
