// `nx run projections:rebuild`: replays every source stream into fresh read-model tables and swaps
// them in, while a running projections service keeps answering. Reads the service's environment.
import 'reflect-metadata';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { stockflowCatalog } from '@stockflow/contracts';
import { connectNats } from '@stockflow/messaging';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { createPool, migrate, quoteSchema } from '@stockflow/postgres';
import { rebuildAll } from './engine/rebuild-all.js';
import { projectionMigrations } from './engine/read-model-tables.js';
import { ProjectionsConfig } from './projections-config.js';

async function main(): Promise<void> {
  const config = loadConfig(ProjectionsConfig);
  // No statement timeout: an offline rebuild of a long log may run long statements.
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 6, applicationName: 'projections-rebuild', statementTimeoutMs: 0 });
  const nats = await connectNats({ url: config.NATS_URL, name: 'projections-rebuild', user: config.NATS_USER, password: config.NATS_PASSWORD });
  try {
    await migrate(pool, config.DB_SCHEMA, projectionMigrations);
    const deps = {
      js: jetstream(nats),
      jsm: await jetstreamManager(nats),
      pool,
      schema: quoteSchema(config.DB_SCHEMA),
      scheme: { ...(config.NATS_NAMESPACE ? { namespace: config.NATS_NAMESPACE } : {}), streamReplicas: config.NATS_STREAM_REPLICAS },
      catalog: stockflowCatalog,
    };
    const report = await rebuildAll(deps, (r) =>
      console.log(`${r.projection}: ${r.events} events from ${r.stream} in ${r.replayMs} ms (${r.eventsPerSecond} events/s), ${r.rows} rows, checkpoint ${r.checkpoint}`),
    );
    console.log(`rebuilt ${report.projections.length} read models: ${report.events} events in ${report.replayMs} ms (${report.eventsPerSecond} events/s)`);
  } finally {
    await nats.drain().catch(() => undefined);
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
