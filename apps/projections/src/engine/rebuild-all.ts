import type { Pool } from 'pg';
import { rebuildProjection, type RebuildResult } from './rebuild.js';
import type { ProjectorDeps } from './live-projector.js';
import { READ_MODEL_TABLES, type AnyReadModelTable } from './read-model-tables.js';

export class RebuildInProgress extends Error {
  constructor() {
    super('a rebuild of these read models is already running');
    this.name = 'RebuildInProgress';
  }
}

export interface RebuildReport {
  readonly projections: RebuildResult[];
  readonly events: number;
  readonly replayMs: number;
  readonly eventsPerSecond: number;
}

/**
 * Rebuilds every read model, one after the other, under a session advisory lock so that two
 * rebuilds (the admin endpoint and the CLI) never race on the `_next` tables.
 */
export async function rebuildAll(
  deps: Pick<ProjectorDeps, 'js' | 'jsm' | 'pool' | 'schema' | 'scheme' | 'catalog'>,
  onSwapped: (result: RebuildResult) => void = () => undefined,
  specs: readonly AnyReadModelTable[] = READ_MODEL_TABLES,
): Promise<RebuildReport> {
  const client = await (deps.pool as Pool).connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [`stockflow.projections-rebuild:${deps.schema}`]);
    if (!rows[0]?.locked) throw new RebuildInProgress();
    try {
      const results: RebuildResult[] = [];
      for (const spec of specs) {
        const result = await rebuildProjection(deps, spec);
        results.push(result);
        onSwapped(result);
      }
      const events = results.reduce((n, r) => n + r.events, 0);
      const replayMs = results.reduce((n, r) => n + r.replayMs, 0);
      return { projections: results, events, replayMs, eventsPerSecond: replayMs > 0 ? Math.round((events * 1000) / replayMs) : 0 };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`stockflow.projections-rebuild:${deps.schema}`]);
    }
  } finally {
    client.release();
  }
}

