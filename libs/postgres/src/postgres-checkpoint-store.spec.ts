import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Pool } from 'pg';
import { createPool } from './pool.js';
import { PostgresCheckpointStore } from './postgres-checkpoint-store.js';
import { dropSchema, uniqueSchemaName } from './test-schema.js';

describe('PostgresCheckpointStore', () => {
  let pool: Pool;
  let schema: string;
  let checkpoints: PostgresCheckpointStore;

  beforeAll(async () => {
    pool = createPool({ max: 3, applicationName: 'postgres-checkpoint-store.spec' });
    schema = uniqueSchemaName('t');
    checkpoints = await PostgresCheckpointStore.create(pool, schema);
  });
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('loads null for a subscriber that never saved', async () => {
    expect(await checkpoints.load('nobody')).toBeNull();
  });

  it('saves and overwrites a position', async () => {
    await checkpoints.save('projection-a', '100:1');
    expect(await checkpoints.load('projection-a')).toBe('100:1');
    await checkpoints.save('projection-a', '101:7');
    expect(await checkpoints.load('projection-a')).toBe('101:7');
    expect(await checkpoints.load('projection-b')).toBeNull();
  });

  it('saves in the caller transaction: committed with it, or not at all', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await checkpoints.saveInTransaction(client, 'projection-c', '5:5');
      await client.query('ROLLBACK');
      expect(await checkpoints.load('projection-c')).toBeNull();

      await client.query('BEGIN');
      await checkpoints.saveInTransaction(client, 'projection-c', '6:6');
      expect(await checkpoints.load('projection-c')).toBeNull();
      await client.query('COMMIT');
      expect(await checkpoints.load('projection-c')).toBe('6:6');
    } finally {
      client.release();
    }
  });
});
