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
 * Rebuilds every read model, all at once (each replays its own stream and swaps under its own lock;
 * together they keep both the NATS client and PostgreSQL busy while one of them waits), under a
 * session advisory lock so that two rebuilds (the admin endpoint and the CLI) never race on the
 * `_next` tables. `replayMs` is the wall-clock time of the whole replay.
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
      const started = performance.now();
      const settled = await Promise.allSettled(
        specs.map(async (spec) => {
          const result = await rebuildProjection(deps, spec);
          onSwapped(result);
          return result;
        }),
      );
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const results = settled.map((r) => (r as PromiseFulfilledResult<RebuildResult>).value);
      const events = results.reduce((n, r) => n + r.events, 0);
      const replayMs = Math.round(performance.now() - started);
      return { projections: results, events, replayMs, eventsPerSecond: replayMs > 0 ? Math.round((events * 1000) / replayMs) : 0 };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`stockflow.projections-rebuild:${deps.schema}`]);
    }
  } finally {
    client.release();
  }
}

