// The projections service: read models (stock, customer orders, carts) kept current from the
// context streams, a query API, an SSE change stream and a rebuild endpoint.
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@stockflow/platform';
import { ProjectionsConfig } from './projections-config.js';
import { runProjectionsService } from './projections.service.js';

async function main(): Promise<void> {
  const config = loadConfig(ProjectionsConfig);
  await runProjectionsService(config);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
