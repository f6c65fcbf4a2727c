import type { Migration } from './migrator.js';

/**
 * Where a log subscriber keeps its position. Also usable on its own in a read-model schema, so a
 * projection can commit its checkpoint in the transaction that changes its tables.
 */
export const checkpointStoreMigrations: readonly Migration[] = [
  {
    id: 'checkpoints/001-create',
    sql: (schema) => `
      CREATE TABLE ${schema}.checkpoints (
        subscriber text PRIMARY KEY,
        log_position text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
  },
];

/** The marks of the idempotent inbox: which consumer already applied which event. */
export const idempotentInboxMigrations: readonly Migration[] = [
  {
    id: 'processed-events/001-create',
    sql: (schema) => `
      CREATE TABLE ${schema}.processed_events (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`,
  },
];

export const eventStoreMigrations: readonly Migration[] = [
  {
    id: 'event-store/001-streams',
    // One row per stream: its version is the optimistic-concurrency check and the row lock that
    // serialises appends to one stream.
    sql: (schema) => `
      CREATE TABLE ${schema}.streams (
        stream_id text PRIMARY KEY,
        version bigint NOT NULL
      )`,
  },
  {
    id: 'event-store/002-events',
    // Log order is (transaction_id, global_position), not global_position alone: identity values are
    // handed out before commit, so a later commit can hold a smaller one. Readers only take events of
    // transactions below the snapshot's xmin, which are final.
    sql: (schema) => `
      CREATE TABLE ${schema}.events (
        global_position bigint GENERATED ALWAYS AS IDENTITY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id text NOT NULL,
        stream_position bigint NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        schema_version int NOT NULL,
        data jsonb NOT NULL,
        correlation_id text NOT NULL,
        causation_id text,
        traceparent text,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, stream_position)
      );
      CREATE INDEX events_log_order ON ${schema}.events (transaction_id, global_position)`,
  },
  ...checkpointStoreMigrations,
  ...idempotentInboxMigrations,
];
