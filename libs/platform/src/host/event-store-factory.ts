import { stockflowCatalog } from '@stockflow/contracts';
import type { EventStore } from '@stockflow/event-sourcing';
import { EventStoreDbEventStore, type EsdbClient } from '@stockflow/eventstoredb';
import { PostgresEventStore } from '@stockflow/postgres';
import type { Pool, PoolClient } from 'pg';

/**
 * A context's log on EventStoreDB (ADR 0046) instead of its PostgreSQL schema: its streams are the
 * server's streams that start with `streamPrefix`.
 */
export interface EventStoreDbLogSettings {
  /** `esdb://…` or `esdb+discover://…` (credentials in the string). Ignored when `client` is given. */
  readonly connectionString?: string;
  /** A client to use instead of connecting (tests: the in-process model of the server). */
  readonly client?: EsdbClient;
  readonly streamPrefix: string;
}

/** The prefix of a context's streams on EventStoreDB when `EVENTSTORE_STREAM_PREFIX` is unset: its schema's name and a dot. */
export function defaultStreamPrefix(schema: string): string {
  return `${schema}.`;
}

/** How a process uses its context's log. */
export interface EventStoreSettings {
  readonly pool: Pool;
  readonly schema: string;
  /** Set: the log is on EventStoreDB; absent: in `schema` on PostgreSQL. */
  readonly eventStoreDb?: EventStoreDbLogSettings;
  /** Group commit of concurrent appends, at most this many per statement; absent or 1: off. */
  readonly appendBatchMax?: number;
  /** Called after each commit that wrote events (the append nudge of ADR 0003). */
  readonly onAppended?: () => void;
  /**
   * For a reader woken by `wake` (the relay): how long a caught-up subscription sleeps once
   * nothing has happened for a second. Defaults to the adapter's active poll interval.
   */
  readonly idlePollIntervalMs?: number;
}

/** The port, plus `wake`: a reader told of appends made by another process reads at once. */
export interface OpenedEventStore extends EventStore<PoolClient> {
  wake(): void;
}

/**
 * The one place where the event store's adapter is chosen (ADR 0014, 0046): the host, the tests and
 * the tools open a context's log through here and see only the port. On PostgreSQL it creates the
 * log's tables in `schema` when they are missing.
 */
export async function openEventStore(settings: EventStoreSettings): Promise<OpenedEventStore> {
  if (settings.eventStoreDb) return openOnEventStoreDb(settings.eventStoreDb);
  const batch = settings.appendBatchMax ?? 1;
  return PostgresEventStore.create({
    pool: settings.pool,
    schema: settings.schema,
    catalog: stockflowCatalog,
    ...(batch > 1 ? { groupCommit: { maxBatch: batch, maxInFlight: 4 } } : {}),
    ...(settings.onAppended ? { onAppended: settings.onAppended } : {}),
    ...(settings.idlePollIntervalMs !== undefined ? { idlePollIntervalMs: settings.idlePollIntervalMs } : {}),
  });
}

async function openOnEventStoreDb(settings: EventStoreDbLogSettings): Promise<OpenedEventStore> {
  const { client, connectionString, streamPrefix } = settings;
  let store: EventStoreDbEventStore;
  if (client) store = new EventStoreDbEventStore({ client, catalog: stockflowCatalog, streamPrefix });
  else if (connectionString) store = await EventStoreDbEventStore.connect({ connectionString, catalog: stockflowCatalog, streamPrefix });
  else throw new Error('an EventStoreDB log needs a connection string or a client');
  // The server pushes new events to subscriptions: a reader needs no waking. Without transactions
  // no caller is handed a connection, so the port's connection type is never met.
  return Object.assign(store as unknown as EventStore<PoolClient>, { wake: () => undefined }) as OpenedEventStore;
}
