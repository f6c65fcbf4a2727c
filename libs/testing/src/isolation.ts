import { connectNats, type NatsConnection } from '@stockflow/messaging';
import { deleteNamespaceStreams, uniqueNamespace } from '@stockflow/messaging/testing';
import { createPool, dropSchema, uniqueSchemaName } from '@stockflow/postgres';
import type { Pool } from 'pg';

/** What keeps one test run apart from every other on the shared PostgreSQL and NATS servers. */
export interface TestIsolation {
  /** A schema of its own: `<prefix>_<hex>`. */
  readonly schema: string;
  /** A subject namespace of its own: `t<hex>` (its streams are `T<HEX>_…`). */
  readonly namespace: string;
}

export function newIsolation(schemaPrefix: string): TestIsolation {
  return { schema: uniqueSchemaName(schemaPrefix), namespace: uniqueNamespace() };
}

/**
 * Drops the run's schema and deletes its streams, through the connections given or short-lived ones
 * of its own (a service under test may already have closed its connections).
 */
export async function removeIsolation(isolation: TestIsolation, connections: { readonly pool?: Pool; readonly nats?: NatsConnection } = {}): Promise<void> {
  const nats = connections.nats ?? (await connectNats({ name: 'test-cleanup' }));
  try {
    await deleteNamespaceStreams(nats, isolation.namespace);
  } finally {
    if (!connections.nats) await nats.close();
  }
  const pool = connections.pool ?? createPool({ max: 1 });
  try {
    await dropSchema(pool, isolation.schema);
  } finally {
    if (!connections.pool) await pool.end();
  }
}
