import type { Pool, PoolClient } from 'pg';
import { foldEvents, type ProjectedEvent } from '../domain/index.js';
import type { CheckpointAdvance } from './checkpoints.js';
import { loadRows, upsertRows, type ReadModelTable } from './read-model-tables.js';

/**
 * Applies events to a read-model table: loads the rows they touch (one query, or none when `rows` is
 * a complete cache), folds the events in memory, writes the changed rows back in one statement.
 * With `advance`, that statement also moves the checkpoint. Returns the changed rows.
 */
export async function applyToTable<Row>(
  client: Pick<PoolClient, 'query'> | Pick<Pool, 'query'>,
  schema: string,
  spec: ReadModelTable<Row>,
  events: readonly ProjectedEvent[],
  options: { table?: string; cache?: Map<string, Row>; advance?: CheckpointAdvance } = {},
): Promise<Row[]> {
  const projection = spec.projection;
  let rows = options.cache;
  if (!rows) {
    const keys = new Set<string>();
    for (const event of events) {
      const key = projection.keyOf(event);
      if (key !== null) keys.add(key);
    }
    rows = await loadRows(client, schema, spec, [...keys], options.table);
  }
  const changed = foldEvents(projection, rows, events);
  const changedRows = [...changed].map((key) => rows.get(key)!);
  await upsertRows(client, schema, spec, changedRows, options.table, options.advance);
  return changedRows;
}
