import { expect } from '@jest/globals';
import { quoteSchema } from '@stockflow/postgres';
import type { Pool } from 'pg';

/** How far a schema's event log reaches: together, head and count show whether anything was appended. */
export interface LogFootprint {
  readonly head: string | null;
  readonly events: number;
}

/**
 * The log's last global position and its number of events, read without the reader's xmin guard:
 * another run's open transaction on the shared server may hold `headPosition()` back, which says
 * nothing about this test's appends.
 */
export async function eventLogFootprint(pool: Pool, schema: string): Promise<LogFootprint> {
  const { rows } = await pool.query<{ n: number; last: number | null }>(`SELECT count(*)::int AS n, max(global_position)::int AS last FROM ${quoteSchema(schema)}.events`);
  return { head: rows[0]!.last === null ? null : String(rows[0]!.last), events: rows[0]!.n };
}

/** Runs `act` and checks that the service's log (and whatever else its `logState` counts) did not change. */
export async function expectNothingAppended(service: { logState(): Promise<unknown> }, act: () => Promise<unknown>): Promise<void> {
  const before = await service.logState();
  await act();
  expect(await service.logState()).toEqual(before);
}
