import { expect } from '@jest/globals';
import { quoteSchema } from '@stockflow/postgres';
import type { EventSourcedInfrastructure } from '@stockflow/platform';

/** How far a schema's event log reaches: together, head and count show whether anything was appended. */
export interface LogFootprint {
  readonly head: string | null;
  readonly events: number;
}

/**
 * The log's last global position and its number of events; on PostgreSQL read without the reader's xmin guard:
 * another run's open transaction on the shared server may hold `headPosition()` back, which says
 * nothing about this test's appends.
 */
export async function eventLogFootprint(log: Pick<EventSourcedInfrastructure, 'pool' | 'schema' | 'logLocation' | 'store'>): Promise<LogFootprint> {
  const { pool, schema, logLocation, store } = log;
  // EventStoreDB has one writer: its head is never held back, and the prefix keeps the log this run's.
  if (logLocation.kind === 'eventstoredb') return { head: await store.headPosition(), events: await store.countAfter(null) };
  const { rows } = await pool.query<{ n: number; last: number | null }>(`SELECT count(*)::int AS n, max(global_position)::int AS last FROM ${quoteSchema(schema)}.events`);
  return { head: rows[0]!.last === null ? null : String(rows[0]!.last), events: rows[0]!.n };
}

/** Runs `act` and checks that the service's log (and whatever else its `logState` counts) did not change. */
export async function expectNothingAppended(service: { logState(): Promise<unknown> }, act: () => Promise<unknown>): Promise<void> {
  const before = await service.logState();
  await act();
  expect(await service.logState()).toEqual(before);
}
