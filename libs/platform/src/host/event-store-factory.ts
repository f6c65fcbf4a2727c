import { stockflowCatalog } from '@stockflow/contracts';
import type { EventStore } from '@stockflow/event-sourcing';
import { PostgresEventStore } from '@stockflow/postgres';
import type { Pool, PoolClient } from 'pg';

/** How a process uses its context's log. */
export interface EventStoreSettings {
  readonly pool: Pool;
  readonly schema: string;
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
 * The one place where the event store's adapter is chosen (PostgreSQL, ADR 0014): the host, the
 * tests and the tools open a context's log through here and see only the port. Creates the log's
 * tables in `schema` when they are missing.
 */
export function openEventStore(settings: EventStoreSettings): Promise<OpenedEventStore> {
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
